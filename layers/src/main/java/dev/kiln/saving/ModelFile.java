package dev.kiln.saving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.Kiln;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Weight;
import dev.kiln.models.Model;
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
import java.util.Properties;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

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

    /** Writes the model's architecture, weights and metadata to {@code path}, atomically. */
    public static void save(Model model, Path path) {
        List<Weight> weights = checkedWeights(model);
        ObjectNode config = Serialization.serialize(model);
        write(path, metadata(model, "model"), config, weights);
    }

    /** Writes the model's weights and metadata (no architecture) to {@code path}, atomically. */
    public static void saveWeights(Model model, Path path) {
        write(path, metadata(model, "weights"), null, checkedWeights(model));
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

    private static void write(Path path, ObjectNode metadata, ObjectNode config, List<Weight> weights) {
        AtomicFiles.write(path, out -> {
            var zip = new ZipOutputStream(new KeepOpen(out));
            putDeflated(zip, METADATA, Serialization.MAPPER.writeValueAsBytes(metadata));
            if (config != null) putDeflated(zip, CONFIG, Serialization.MAPPER.writeValueAsBytes(config));
            for (Weight w : weights) putStored(zip, WEIGHTS + w.path() + NPY, Npy.encode(w.value()));
            zip.close();
        });
    }

    private static void putDeflated(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
        entryWritten.accept(name);
    }

    /** Arrays are stored uncompressed (floats barely compress, and stored entries read fast); the CRC guards them. */
    private static void putStored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        var entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        entry.setCrc(crc(bytes));
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
        entryWritten.accept(name);
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

    /** The model saved at {@code path}: rebuilt from its architecture, with its weights. */
    public static Model load(Path path) {
        try (ZipFile zip = open(path)) {
            JsonNode metadata = readMetadata(zip, path);
            if (zip.getEntry(CONFIG) == null) {
                throw new ModelFileException(path + " holds weights only (written by saveWeights), not a model: build the model in code and"
                        + " call loadWeights(" + path.getFileName() + ")");
            }
            JsonNode config = readJson(zip, CONFIG, path);
            Map<String, Npy.Array> arrays = readWeights(zip, path);
            Model model;
            try {
                model = Serialization.toModel(Serialization.deserialize(config), CONFIG);
            } catch (ModelFileException e) {
                throw new ModelFileException("Cannot load the model in " + path + ": " + e.getMessage(), e);
            }
            assign(model, arrays, path, metadata);
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + path + ": " + e.getMessage(), e);
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
            assign(model, readWeights(zip, path), path, metadata);
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

    /** Every weight array in the file, by path, in file order. */
    private static Map<String, Npy.Array> readWeights(ZipFile zip, Path path) throws IOException {
        Map<String, Npy.Array> arrays = new LinkedHashMap<>();
        for (ZipEntry entry : Collections.list(zip.entries())) {
            String name = entry.getName();
            if (!name.startsWith(WEIGHTS) || !name.endsWith(NPY) || entry.isDirectory()) continue;
            String weightPath = name.substring(WEIGHTS.length(), name.length() - NPY.length());
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

    /** Checks every weight against the file, then assigns them all; on any mismatch nothing is assigned. */
    private static void assign(Model model, Map<String, Npy.Array> arrays, Path path, JsonNode metadata) {
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
        extra.replaceAll(p -> p + " " + arrays.get(p).shape());
        if (!missing.isEmpty() || !extra.isEmpty() || !wrongShape.isEmpty()) {
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
        var values = new ArrayList<Tensor>(weights.size());
        for (Weight w : weights) values.add(arrays.get(w.path()).toTensor());
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < weights.size(); i++) weights.get(i).value().assign(values.get(i));
        }
    }

    private static void section(StringBuilder message, String title, List<String> items) {
        if (items.isEmpty()) return;
        message.append("\n  ").append(title).append(" (").append(items.size()).append("): ").append(String.join(", ", items));
    }
}
