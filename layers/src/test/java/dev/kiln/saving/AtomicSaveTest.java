package dev.kiln.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.LayerTesting;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save that fails part-way leaves the previous file whole and no temporary file behind. */
class AtomicSaveTest extends LayerTesting {

    @TempDir
    Path dir;

    @AfterEach
    void noMoreCrashes() { ModelFile.entryWritten = name -> {}; }

    @Test
    void aCrashInTheMiddleOfASaveLeavesThePreviousFileReadable() throws IOException {
        var model = new Sequential(Input.of(3), new Dense(4), new Dense(2));
        var x = Tensor.uniform(Shape.of(5, 3), -1, 1, model.dtype());
        Path path = dir.resolve("model.kiln");
        model.save(path);
        double[] saved = model.predict(x).toDoubleArray();

        model.weights().get(0).assign(Tensor.zeros(model.weights().get(0).shape(), model.dtype()));   // training moved on
        ModelFile.entryWritten = name -> {
            if (name.equals("weights/dense/bias.npy")) throw new IllegalStateException("simulated crash while writing " + name);
        };
        var e = assertThrows(IllegalStateException.class, () -> model.save(path));
        assertEquals("simulated crash while writing weights/dense/bias.npy", e.getMessage());

        assertArrayEquals(saved, Model.load(path).predict(x).toDoubleArray(), 0.0, "the previous save is intact");
        assertEquals(List.of(path), files(), "the temporary file is gone");

        ModelFile.entryWritten = name -> {};
        model.save(path);
        assertArrayEquals(model.predict(x).toDoubleArray(), Model.load(path).predict(x).toDoubleArray(), 0.0, "the next save replaces it");
    }

    @Test
    void aFailedFirstSaveLeavesNoFile() throws IOException {
        var model = new Sequential(Input.of(3), new Dense(1));
        ModelFile.entryWritten = name -> { throw new IllegalStateException("disk full"); };
        Path path = dir.resolve("sub/folder/model.kiln");
        assertThrows(IllegalStateException.class, () -> model.saveWeights(path));
        assertFalse(Files.exists(path));
        try (Stream<Path> left = Files.list(path.getParent())) {
            assertEquals(0, left.count(), "no temporary file remains");
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> all = Files.list(dir)) {
            return all.toList();
        }
    }
}
