package dev.kiln.callbacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Layer;
import dev.kiln.losses.Losses;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import dev.kiln.optim.SGD;
import dev.kiln.saving.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointTest {

    @TempDir
    Path dir;

    private final Tensor x = Tensor.uniform(Shape.of(16, 3), -1, 1, DType.FLOAT32);
    private final Tensor y = Tensor.uniform(Shape.of(16, 1), -1, 1, DType.FLOAT32);

    @BeforeEach
    void reset() {
        Kiln.setFloatx(DType.FLOAT32);
        Kiln.seed(5);
        Layer.resetNames();
    }

    private Model model() {
        var model = new Sequential(Input.of(3), new Dense(1));
        model.compile(new SGD(0.1), Losses.meanSquaredError());
        return model;
    }

    /** Sets val_loss to the scripted value of each epoch before ModelCheckpoint reads it. */
    private static Callback valLosses(double... values) {
        return new LambdaCallback().onEpochEnd((epoch, logs) -> logs.put("val_loss", values[epoch]));
    }

    @Test
    void placeholdersFormatAsPython() {
        var logs = new Logs().put("loss", 0.41234).put("val_accuracy", 0.875).put("val_loss", 12.5);
        assertEquals("ckpt-03-0.41.kiln", ModelCheckpoint.format("ckpt-{epoch:02d}-{loss:.2f}.kiln", 2, logs));
        assertEquals("3-  3-0.41234", ModelCheckpoint.format("{epoch}-{epoch:3d}-{loss}", 2, logs));
        assertEquals("4.123e-01 87.5% +12.500 0012.50", ModelCheckpoint.format("{loss:.3e} {val_accuracy:.1%} {val_loss:+.3f} {val_loss:07.2f}", 0, logs));
        var unknown = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.format("m-{val_los:.2f}.kiln", 0, logs));
        assertTrue(unknown.getMessage().contains("names 'val_los'") && unknown.getMessage().contains("[epoch, loss, val_accuracy, val_loss]"),
                unknown.getMessage());
        var integer = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.format("{loss:d}", 0, logs));
        assertTrue(integer.getMessage().contains("an integer format"), integer.getMessage());
    }

    @Test
    void everyEpochIsSavedAndLoads() throws IOException {
        var model = model();
        model.fit(x, y, FitOptions.epochs(3).withBatchSize(8).withVerbose(0), new ModelCheckpoint(dir.resolve("m-{epoch:02d}.kiln").toString()));
        assertEquals(List.of("m-01.kiln", "m-02.kiln", "m-03.kiln"), files());
        Model last = Model.load(dir.resolve("m-03.kiln"));
        assertArrayEquals(model.predict(x).toDoubleArray(), last.predict(x).toDoubleArray(), 0.0);
        assertEquals(model.optimizer().iterations(), last.optimizer().iterations());
    }

    @Test
    void saveBestOnlySavesStrictImprovements() throws IOException {
        var checkpoint = new ModelCheckpoint(dir.resolve("best-{epoch}-{val_loss:.1f}.kiln").toString(), "val_loss", true);
        model().fit(x, y, FitOptions.epochs(4).withBatchSize(8).withVerbose(0), valLosses(0.5, 0.7, 0.4, 0.4), checkpoint);
        assertEquals(List.of("best-1-0.5.kiln", "best-3-0.4.kiln"), files());
        assertEquals(0.4, checkpoint.best(), 0.0);

        var accuracy = new ModelCheckpoint(new ModelCheckpoint.Config(dir.resolve("acc.kiln").toString(), "val_loss", true, false, Mode.MAX, 0.6));
        model().fit(x, y, FitOptions.epochs(4).withBatchSize(8).withVerbose(0), valLosses(0.5, 0.7, 0.4, 0.9), accuracy);
        assertEquals(0.9, accuracy.best(), 0.0, "mode max from the threshold 0.6: 0.7, then 0.9");
    }

    @Test
    void weightsOnlyCheckpointsHoldNoArchitecture() {
        var model = model();
        var config = new ModelCheckpoint.Config(dir.resolve("w.kiln").toString(), "val_loss", false, false, Mode.AUTO, null).withSaveWeightsOnly(true);
        model.fit(x, y, FitOptions.epochs(2).withBatchSize(8).withVerbose(0), new ModelCheckpoint(config));
        var fresh = model();
        fresh.loadWeights(dir.resolve("w.kiln"));
        assertArrayEquals(model.predict(x).toDoubleArray(), fresh.predict(x).toDoubleArray(), 0.0);
        assertThrows(ModelFileException.class, () -> Model.load(dir.resolve("w.kiln")));
    }

    private List<String> files() throws IOException {
        try (Stream<Path> all = Files.list(dir)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
