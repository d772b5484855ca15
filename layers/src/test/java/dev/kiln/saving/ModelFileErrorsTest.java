package dev.kiln.saving;

import static dev.kiln.layers.Activation.RELU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.LayerTesting;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a file can fail to load gets its own message, and a failed load changes nothing. */
class ModelFileErrorsTest extends LayerTesting {

    @TempDir
    Path dir;

    private Sequential model(int hidden) {
        return new Sequential(Input.of(2), new Dense(hidden, RELU), new Dense(1));
    }

    private Path saved(Model model) {
        Path path = dir.resolve("model.kiln");
        model.save(path);
        return path;
    }

    @Test
    void aTruncatedFileSaysSo() throws IOException {
        Path path = saved(model(3));
        byte[] whole = Files.readAllBytes(path);
        Files.write(path, Arrays.copyOf(whole, whole.length / 2));
        var e = assertThrows(ModelFileException.class, () -> Model.load(path));
        assertMessageContains(e, path.toString(), "is truncated or corrupt");

        Files.write(path, new byte[0]);
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(path)), "is empty", "truncated");
    }

    @Test
    void aRenamedWeightIsMissingAndExtra() throws IOException {
        Path path = saved(model(3));
        ZipEdit.rewrite(path, (name, bytes) -> new ZipEdit.Entry(name.replace("dense/kernel", "dense/kernal"), bytes));
        var e = assertThrows(ModelFileException.class, () -> Model.load(path));
        assertMessageContains(e, "do not match", "Missing from the file (1): dense/kernel [2, 3]",
                "In the file but not in the model (1): dense/kernal [2, 3]");
        assertFalse(e.getMessage().contains("Wrong shape"), e.getMessage());
    }

    @Test
    void aShapeMismatchNamesBothShapes() throws IOException {
        Path path = saved(model(3));
        ZipEdit.rewrite(path, (name, bytes) -> new ZipEdit.Entry(name,
                name.equals("config.json") ? ZipEdit.bytes(ZipEdit.text(bytes).replace("\"units\" : 3", "\"units\" : 4")) : bytes));
        var e = assertThrows(ModelFileException.class, () -> Model.load(path));
        assertMessageContains(e, "Wrong shape (3): dense/kernel: the model has [2, 4], the file [2, 3]",
                "dense/bias: the model has [4], the file [3]", "dense_1/kernel: the model has [4, 1], the file [3, 1]");
        assertFalse(e.getMessage().contains("Missing"), e.getMessage());
    }

    @Test
    void weightsOfAnotherModelListEveryDifferenceAndChangeNothing() {
        Path path = dir.resolve("other.weights.kiln");
        new Sequential(Input.of(2), new Dense(5).named("hidden"), new Dense(1).named("out")).saveWeights(path);
        var target = new Sequential(Input.of(2), new Dense(3).named("first"), new Dense(1).named("out"));
        double[] before = target.weights().get(0).toDoubleArray();
        var e = assertThrows(ModelFileException.class, () -> target.loadWeights(path));
        assertMessageContains(e, "Missing from the file (2): first/kernel [2, 3], first/bias [3]",
                "In the file but not in the model (2): hidden/kernel [2, 5], hidden/bias [5]",
                "Wrong shape (1): out/kernel: the model has [3, 1], the file [5, 1]",
                "The file holds the weights of Sequential 'sequential'");
        assertArrayEquals(before, target.weights().get(0).toDoubleArray(), 0.0, "a failed load changes nothing");

        var unrelated = new Sequential(Input.of(2), new Dense(1).named("alone"));
        assertMessageContains(assertThrows(ModelFileException.class, () -> unrelated.loadWeights(path)), "saved from a different model");
    }

    @Test
    void weightsLoadIntoAModelBuiltInCode() {
        var source = model(3);
        Path path = dir.resolve("model.weights.kiln");
        source.saveWeights(path);
        Model.resetNames();
        var target = model(3);
        target.loadWeights(path);
        var x = Tensor.uniform(dev.kiln.core.Shape.of(4, 2), -1, 1, target.dtype());
        assertArrayEquals(source.predict(x).toDoubleArray(), target.predict(x).toDoubleArray(), 0.0);
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(path)), "holds weights only", "loadWeights");
    }

    @Test
    void theSameArchitectureWithOtherLayerNamesLoadsInOrder() {
        var source = model(3);
        Path path = dir.resolve("model.weights.kiln");
        source.saveWeights(path);
        var target = model(3);                                  // dense_2, dense_3: numbered on from the source's names
        assertEquals("dense_2/kernel", target.namedWeights().get(0).path());
        target.loadWeights(path);
        var x = Tensor.uniform(dev.kiln.core.Shape.of(4, 2), -1, 1, target.dtype());
        assertArrayEquals(source.predict(x).toDoubleArray(), target.predict(x).toDoubleArray(), 0.0);

        var transposed = new Sequential(Input.of(2), new Dense(2, RELU), new Dense(1));   // dense_4 [2, 2]: the shapes differ
        assertMessageContains(assertThrows(ModelFileException.class, () -> transposed.loadWeights(path)), "saved from a different model");
    }

    @Test
    void aNewerFormatVersionAsksForANewerKiln() throws IOException {
        Path path = saved(model(3));
        ZipEdit.rewrite(path, (name, bytes) -> new ZipEdit.Entry(name,
                name.equals("metadata.json") ? ZipEdit.bytes(ZipEdit.text(bytes).replace("\"format_version\" : 1", "\"format_version\" : 2")) : bytes));
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(path)),
                "format version 2", "reads format versions up to 1", "Upgrade Kiln");
    }

    @Test
    void aDamagedArrayFailsItsChecksum() throws IOException {
        Path path = saved(model(3));
        byte[] bytes = Files.readAllBytes(path);
        byte[] name = "weights/dense/kernel.npy".getBytes();
        int at = indexOf(bytes, name) + name.length + 140;   // the first entry of that name is the local header; its data follows
        bytes[at] ^= 0x55;
        Files.write(path, bytes);
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(path)), "is corrupt", "fails its CRC check");
    }

    @Test
    void otherFilesAreNotModels() throws IOException {
        Path text = dir.resolve("notes.kiln");
        Files.writeString(text, "not a model");
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(text)), "is not a Kiln model file", "not a zip");

        Path missing = dir.resolve("missing.kiln");
        assertMessageContains(assertThrows(UncheckedIOException.class, () -> Model.load(missing)), missing.toString());

        Path foreign = saved(model(3));
        ZipEdit.rewrite(foreign, (name, bytes) -> new ZipEdit.Entry(name.equals("metadata.json") ? null : name, bytes));
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(foreign)), "not a Kiln model file", "no metadata.json");
    }

    @Test
    void anInvalidConfigNamesTheSetting() throws IOException {
        Path path = saved(model(3));
        ZipEdit.rewrite(path, (name, bytes) -> new ZipEdit.Entry(name, name.equals("config.json")
                ? ZipEdit.bytes(ZipEdit.text(bytes).replace("\"activation\" : \"relu\"", "\"activation\" : \"relux\"")) : bytes));
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(path)),
                "Invalid config at config.layers[1] (Dense 'dense').activation", "expected one of [linear, relu", "Received: \"relux\"");
        ZipEdit.rewrite(path, (name, bytes) -> new ZipEdit.Entry(name, name.equals("config.json")
                ? ZipEdit.bytes(ZipEdit.text(bytes).replace("\"relux\"", "\"relu\"").replace("\"units\" : 3", "\"units\" : 0")) : bytes));
        assertMessageContains(assertThrows(ModelFileException.class, () -> Model.load(path)),
                "Dense 'dense'", "units must be positive. Received: units=0");
    }

    @Test
    void layersSharedAcrossSeparatelySavedPartsAreRefused() {
        var in = Input.of(2);
        var shared = new Dense(2);
        Model inner = new Model(in, shared.apply(in));
        var outerIn = Input.of(2);
        var outer = new Model(outerIn, shared.apply(inner.apply(outerIn)));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> outer.save(dir.resolve("x.kiln"))),
                "Dense 'dense'", "used in two places");
        assertEquals(List.of(), List.of(dir.toFile().list()), "nothing is written");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
