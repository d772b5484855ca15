package dev.kiln.saving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.Kiln;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Weight;
import dev.kiln.models.CompileConfig;
import dev.kiln.models.Model;
import dev.kiln.optim.LearningRateSchedule;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads models and weights in Kiln's {@code .kiln} format (see the package documentation for the layout).
 * {@link Model#save}, {@link Model#load}, {@link Model#saveWeights} and {@link Model#loadWeights} call this.
 *
 * <p>Every write is atomic ({@link AtomicFiles}): a crash leaves the previous file whole. Every load reads and
 * checks the whole file (format version, CRCs, that each weight the model has is there with its shape, and nothing
 * else) before it changes anything, so a failed load leaves no half-built model and no half-loaded weights.
 */
public final class ModelFile {

    /** The version of the file layout this Kiln writes, and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    static final String METADATA = "metadata.json";
    static final String CONFIG = "config.json";
    static final String WEIGHTS = "weights/";
    static final String NPY = ".npy";

    private static final Logger LOG = LoggerFactory.getLogger(ModelFile.class);

    /** Called after each zip entry is written; tests make it throw to simulate a crash in the middle of a save. */
    static volatile Consumer<String> entryWritten = name -> {};

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private ModelFile() {}

    /** The Kiln version that writes files, from the build ("unknown" when run from unpackaged classes). */
    public static String kilnVersion() {
        try (InputStream in = ModelFile.class.getResourceAsStream("kiln-version.properties")) {
            if (in == null) return "unknown";
            var properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    // ---- saving ----

    /**
     * Writes the model's architecture, weights and metadata to {@code path}, atomically; for a compiled model also the
     * compile settings and the optimizer's state, so that {@link #load} gives a model that trains on exactly.
     */
    public static void save(Model model, Path path) { save(model, path, null); }

    /** {@link #save}, recording {@code epoch} (the last one completed) in the metadata: BackupAndRestore's backup. */
    public static void saveBackup(Model model, Path path, int epoch) { save(model, path, epoch); }

    private static void save(Model model, Path path, Integer epoch) {
        List<Weight> weights = checkedWeights(model);
        ObjectNode config = Serialization.serialize(model);
        TrainingState training = model.isCompiled() ? TrainingState.of(model) : null;
        ObjectNode metadata = metadata(model, "model");
        if (epoch != null) metadata.put("epoch", epoch);
        var items = new ArrayList<Item>();
        items.add(json(METADATA, metadata));
        items.add(json(CONFIG, config));
        if (training != null) {
            items.add(json(TrainingState.COMPILE, training.compileJson()));
            items.add(json(TrainingState.OPTIMIZER, training.optimizerJson()));
        }
        addWeights(items, weights);
        if (training != null) training.slotArrays().forEach((name, bytes) -> items.add(new Item(name, false, bytes)));
        write(path, items);
    }

    /** Writes the model's weights and metadata (no architecture) to {@code path}, atomically. */
    public static void saveWeights(Model model, Path path) {
        List<Weight> weights = checkedWeights(model);
        var items = new ArrayList<Item>();
        items.add(json(METADATA, metadata(model, "weights")));
        addWeights(items, weights);
        write(path, items);
    }

    /** One zip entry: JSON is deflated; arrays are stored (floats barely compress, and stored entries read fast). */
    private record Item(String name, boolean deflated, Supplier<byte[]> bytes) {}

    private static Item json(String name, JsonNode json) {
        return new Item(name, true, () -> {
            try {
                return Serialization.MAPPER.writeValueAsBytes(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The arrays are encoded one at a time while writing, so that only one is in memory as bytes. */
    private static void addWeights(List<Item> items, List<Weight> weights) {
        for (Weight w : weights) items.add(new Item(WEIGHTS + w.path() + NPY, false, () -> Npy.encode(w.value())));
    }

    private static List<Weight> checkedWeights(Model model) {
        List<Weight> weights = model.namedWeights();
        Map<String, Weight> byPath = new HashMap<>();
        for (Weight w : weights) {
            if (byPath.putIfAbsent(w.path(), w) != null) {
                throw new IllegalArgumentException("Cannot save " + model + ": two different weights have the path '" + w.path()
                        + "' (layers of the same name in nested models?). Give the layers distinct names with named(...)");
            }
        }
        return weights;
    }

    private static ObjectNode metadata(Model model, String contents) {
        ObjectNode out = JSON.objectNode();
        out.put("format", "kiln");
        out.put("format_version", FORMAT_VERSION);
        out.put("contents", contents);
        out.put("kiln_version", kilnVersion());
        out.put("date_saved", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        out.put("backend", Kiln.backend());
        out.put("floatx", Kiln.floatx().kerasName());
        out.put("dtype", model.dtype().kerasName());
        out.put("model", model.kerasClassName() + " '" + model.name() + "'");
        return out;
    }

    private static void write(Path path, List<Item> items) {
        AtomicFiles.write(path, out -> {
            var zip = new ZipOutputStream(new KeepOpen(out));
            for (Item item : items) {
                byte[] bytes = item.bytes().get();
                var entry = new ZipEntry(item.name());
                if (!item.deflated()) {
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(bytes.length);
                    entry.setCompressedSize(bytes.length);
                    entry.setCrc(crc(bytes));
                }
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
                entryWritten.accept(item.name());
            }
            zip.close();
        });
    }

    /** Lets the zip stream finish the archive without closing the file, which AtomicFiles still has to force. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) { super(out); }

        @Override
        public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override
        public void close() throws IOException { out.flush(); }
    }

    // ---- loading ----

    /**
     * The model saved at {@code path}: rebuilt from its architecture, with its weights, and, when it was saved
     * compiled, compiled again with its optimizer's state. Compile settings Kiln cannot rebuild (a custom optimizer,
     * loss or metric) are left out with a warning: the model loads, and {@code compile} readies it for training.
     */
    public static Model load(Path path) {
        try (ZipFile zip = open(path)) {
            JsonNode metadata = readMetadata(zip, path);
            if (zip.getEntry(CONFIG) == null) {
                throw new ModelFileException(path + " holds weights only (written by saveWeights), not a model: build the model in code and"
                        + " call loadWeights(" + path.getFileName() + ")");
            }
            JsonNode config = readJson(zip, CONFIG, path);
            Map<String, Npy.Array> arrays = readArrays(zip, WEIGHTS, path);
            Model model;
            try {
                model = Serialization.toModel(Serialization.deserialize(config), CONFIG);
            } catch (ModelFileException e) {
                throw new ModelFileException("Cannot load the model in " + path + ": " + e.getMessage(), e);
            }
            List<String> filePaths = matched(model, arrays, path, metadata);
            assign(model, arrays, filePaths);
            if (zip.getEntry(TrainingState.COMPILE) != null) compile(model, zip, path, byFilePath(model, filePaths));
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + path + ": " + e.getMessage(), e);
        }
    }

    private static void compile(Model model, ZipFile zip, Path path, Map<String, Tensor> weights) throws IOException {
        var dropped = new ArrayList<String>();
        CompileConfig compile;
        try {
            compile = TrainingState.readCompile(readJson(zip, TrainingState.COMPILE, path), dropped);
        } catch (ModelFileException e) {
            LOG.warn("{} is loaded uncompiled: {}. Call compile() before training it", path, e.getMessage());
            return;
        }
        if (!dropped.isEmpty()) LOG.warn("{}: the metrics {} cannot be rebuilt by name and are left out", path, dropped);
        model.compileFromConfig(compile);
        if (zip.getEntry(TrainingState.OPTIMIZER) != null) loadState(model, zip, path, weights);
    }

    /** Puts the saved optimizer state into the model's optimizer; everything is checked before anything changes. */
    private static void loadState(Model model, ZipFile zip, Path path, Map<String, Tensor> weights) throws IOException {
        try {
            var slots = TrainingState.readSlots(readJson(zip, TrainingState.OPTIMIZER, path), readArrays(zip, TrainingState.SLOTS, path), weights);
            model.optimizer().loadState(slots.state(), slots.parameters());
        } catch (ModelFileException | IllegalArgumentException e) {
            throw new ModelFileException("Cannot restore the optimizer state in " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads the weights saved at {@code path} (by {@link #saveWeights} or {@link #save}) into {@code model}, matched by
     * path ({@code dense/kernel}). Everything is read and checked first: when anything is missing, extra or of the
     * wrong shape the error lists all of it and the model is unchanged.
     */
    public static void loadWeights(Model model, Path path) {
        try (ZipFile zip = open(path)) {
            JsonNode metadata = readMetadata(zip, path);
            Map<String, Npy.Array> arrays = readArrays(zip, WEIGHTS, path);
            assign(model, arrays, matched(model, arrays, path, metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts the training state saved at {@code path} back into {@code model}, which keeps its own optimizer: the
     * weights, and when the model is compiled the optimizer's iterations, slots and learning rate. Everything is
     * checked before anything changes. Returns the epoch recorded by {@link #saveBackup}, if any.
     */
    public static OptionalInt restore(Model model, Path path) {
        try (ZipFile zip = open(path)) {
            JsonNode metadata = readMetadata(zip, path);
            Map<String, Npy.Array> arrays = readArrays(zip, WEIGHTS, path);
            List<String> filePaths = matched(model, arrays, path, metadata);
            if (model.isCompiled() && zip.getEntry(TrainingState.OPTIMIZER) != null) {
                LearningRateSchedule learningRate = zip.getEntry(TrainingState.COMPILE) == null ? null
                        : TrainingState.readLearningRate(readJson(zip, TrainingState.COMPILE, path), model.optimizer());
                loadState(model, zip, path, byFilePath(model, filePaths));
                if (learningRate != null) model.optimizer().setLearningRate(learningRate);
            }
            assign(model, arrays, filePaths);
            JsonNode epoch = metadata.get("epoch");
            return epoch != null && epoch.canConvertToInt() ? OptionalInt.of(epoch.intValue()) : OptionalInt.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + path + ": " + e.getMessage(), e);
        }
    }

    private static ZipFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString(), null, "no such file");
        try {
            return new ZipFile(path.toFile());
        } catch (ZipException e) {
            byte[] head = new byte[ZIP_MAGIC.length];
            int read;
            try (InputStream in = Files.newInputStream(path)) {
                read = in.readNBytes(head, 0, head.length);
            }
            if (read == 0) throw new ModelFileException(path + " is empty: it is truncated (a save that did not finish?)", e);
            if (read == ZIP_MAGIC.length && Arrays.equals(head, ZIP_MAGIC)) {
                throw new ModelFileException(path + " is truncated or corrupt: it starts as a zip archive but its end is damaged or missing ("
                        + e.getMessage() + ")", e);
            }
            throw new ModelFileException(path + " is not a Kiln model file: it is not a zip archive", e);
        }
    }

    private static JsonNode readMetadata(ZipFile zip, Path path) throws IOException {
        if (zip.getEntry(METADATA) == null) throw new ModelFileException(path + " is not a Kiln model file: it has no " + METADATA);
        JsonNode metadata = readJson(zip, METADATA, path);
        if (!"kiln".equals(metadata.path("format").asText())) {
            throw new ModelFileException(path + " is not a Kiln model file: its " + METADATA + " has format " + metadata.get("format"));
        }
        JsonNode version = metadata.get("format_version");
        if (version == null || !version.canConvertToInt()) {
            throw new ModelFileException(path + " is corrupt: its " + METADATA + " has no format_version. Received: " + version);
        }
        if (version.intValue() > FORMAT_VERSION) {
            throw new ModelFileException(path + " was written in Kiln file format version " + version.intValue() + " (by Kiln "
                    + metadata.path("kiln_version").asText("unknown") + "); this Kiln (" + kilnVersion() + ") reads format versions up to "
                    + FORMAT_VERSION + ". Upgrade Kiln to load it");
        }
        return metadata;
    }

    private static JsonNode readJson(ZipFile zip, String name, Path path) throws IOException {
        byte[] bytes = readEntry(zip, zip.getEntry(name), path);
        try {
            return Serialization.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new ModelFileException(path + " is corrupt: its " + name + " is not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Every array under {@code folder} ("weights/"), by its name without the folder and ".npy", in file order. */
    private static Map<String, Npy.Array> readArrays(ZipFile zip, String folder, Path path) throws IOException {
        Map<String, Npy.Array> arrays = new LinkedHashMap<>();
        for (ZipEntry entry : Collections.list(zip.entries())) {
            String name = entry.getName();
            if (!name.startsWith(folder) || !name.endsWith(NPY) || entry.isDirectory()) continue;
            String weightPath = name.substring(folder.length(), name.length() - NPY.length());
            try {
                arrays.put(weightPath, Npy.decode(readEntry(zip, entry, path), weightPath));
            } catch (ModelFileException e) {
                throw new ModelFileException(path + " is corrupt: " + e.getMessage(), e);
            }
        }
        return arrays;
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry entry, Path path) throws IOException {
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entry)) {
            bytes = in.readAllBytes();
        } catch (ZipException | java.io.EOFException e) {
            throw new ModelFileException(path + " is corrupt: its entry " + entry.getName() + " cannot be read (" + e.getMessage() + ")", e);
        }
        if (entry.getCrc() != -1 && crc(bytes) != entry.getCrc()) {
            throw new ModelFileException(path + " is corrupt: its entry " + entry.getName() + " fails its CRC check");
        }
        return bytes;
    }

    private static long crc(byte[] bytes) {
        var crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    /**
     * For each of the model's weights, in order, the path of its array in the file: its own path. When none of the
     * model's paths is in the file but the file holds arrays of the same shapes in the same order (the same
     * architecture with other layer names: names are numbered per process), their paths in order, with a warning.
     * Anything else that does not match is an error that lists every missing, extra and mis-shaped weight.
     */
    private static List<String> matched(Model model, Map<String, Npy.Array> arrays, Path path, JsonNode metadata) {
        List<Weight> weights = model.namedWeights();
        var missing = new ArrayList<String>();
        var wrongShape = new ArrayList<String>();
        var extra = new ArrayList<>(arrays.keySet());
        for (Weight w : weights) {
            Npy.Array array = arrays.get(w.path());
            extra.remove(w.path());
            if (array == null) missing.add(w.path() + " " + w.value().shape());
            else if (!array.shape().equals(w.value().shape())) {
                wrongShape.add(w.path() + ": the model has " + w.value().shape() + ", the file " + array.shape());
            }
        }
        if (missing.isEmpty() && extra.isEmpty() && wrongShape.isEmpty()) return weights.stream().map(Weight::path).toList();
        List<String> filePaths = new ArrayList<>(arrays.keySet());
        boolean renamed = missing.size() == weights.size() && !weights.isEmpty() && filePaths.size() == weights.size();
        for (int i = 0; renamed && i < weights.size(); i++) renamed = arrays.get(filePaths.get(i)).shape().equals(weights.get(i).value().shape());
        if (renamed) {
            LOG.warn("{}: none of the weight paths of {} ({}, ...) is in the file, which holds weights of the same shapes in the same"
                    + " order ({}, ...): loading them in order", path, model, weights.get(0).path(), filePaths.get(0));
            return filePaths;
        }
        extra.replaceAll(p -> p + " " + arrays.get(p).shape());
        var message = new StringBuilder("Cannot load the weights in " + path + " into " + model + ": they do not match.");
        if (missing.size() == weights.size() && !weights.isEmpty() && !arrays.isEmpty()) {
            message.append(" None of the model's weights is in the file: it was saved from a different model.");
        }
        section(message, "Missing from the file", missing);
        section(message, "In the file but not in the model", extra);
        section(message, "Wrong shape", wrongShape);
        message.append("\nThe file holds the weights of ").append(metadata.path("model").asText("an unnamed model"))
                .append(", saved ").append(metadata.path("date_saved").asText("at an unknown date")).append('.');
        throw new ModelFileException(message.toString());
    }

    /** Overwrites each weight in place with the file's array at its path from {@link #matched}. */
    private static void assign(Model model, Map<String, Npy.Array> arrays, List<String> filePaths) {
        List<Weight> weights = model.namedWeights();
        var values = filePaths.stream().map(p -> arrays.get(p).toTensor()).toList();
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < weights.size(); i++) weights.get(i).value().assign(values.get(i));
        }
    }

    /** Each weight of the model by the path of its array in the file. */
    private static Map<String, Tensor> byFilePath(Model model, List<String> filePaths) {
        List<Weight> weights = model.namedWeights();
        Map<String, Tensor> out = new HashMap<>();
        for (int i = 0; i < weights.size(); i++) out.put(filePaths.get(i), weights.get(i).value());
        return out;
    }

    private static void section(StringBuilder message, String title, List<String> items) {
        if (items.isEmpty()) return;
        message.append("\n  ").append(title).append(" (").append(items.size()).append("): ").append(String.join(", ", items));
    }
}
