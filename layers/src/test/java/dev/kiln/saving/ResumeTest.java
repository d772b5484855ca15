package dev.kiln.saving;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.callbacks.BackupAndRestore;
import dev.kiln.callbacks.Callback;
import dev.kiln.callbacks.History;
import dev.kiln.callbacks.LambdaCallback;
import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.Tensor;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Layer;
import dev.kiln.layers.Weight;
import dev.kiln.losses.Loss;
import dev.kiln.models.CompileConfig;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compiled model's file holds its optimizer and compile settings, so that training resumed from it (by Model.load and
 * initialEpoch, or by BackupAndRestore) gives exactly what uninterrupted training gives, dropout and shuffling included.
 */
class ResumeTest {

    private static final int SAMPLES = 48;
    private static final Tensor X;
    private static final Tensor Y;

    static {
        var rng = new Random(3);
        float[] x = new float[SAMPLES * 6];
        float[] y = new float[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            double sum = 0;
            for (int j = 0; j < 6; j++) {
                x[i * 6 + j] = (float) rng.nextGaussian();
                if (j < 3) sum += x[i * 6 + j];
            }
            y[i] = sum > 0 ? 1 : 0;
        }
        X = Tensor.of(x, SAMPLES, 6);
        Y = Tensor.of(y, SAMPLES, 1);
    }

    @TempDir
    Path dir;

    @BeforeEach
    void float32() { Kiln.setFloatx(DType.FLOAT32); }

    /** The same program each time: same names, same initial weights. */
    private static Model build() {
        Layer.resetNames();
        Kiln.seed(7);
        var model = new Sequential(Input.of(6), new Dense(8, RELU), new BatchNormalization(), new Dropout(0.3), new Dense(1, SIGMOID));
        model.compile(new Adam(0.01), dev.kiln.losses.Losses.binaryCrossentropy(), "accuracy");
        return model;
    }

    private static History fit(Model model, int epochs, int initialEpoch, Callback... callbacks) {
        Kiln.seed(99);
        var options = FitOptions.epochs(epochs).withInitialEpoch(initialEpoch).withBatchSize(12).withValidationSplit(0.25).withVerbose(0);
        return model.fit(X, Y, options, callbacks);
    }

    @Test
    void aSavedModelTrainsOnExactlyAsIfNeverInterrupted() {
        History full = fit(build(), 4, 0);
        Model straight = build();
        fit(straight, 4, 0);

        Model first = build();
        History firstHalf = fit(first, 2, 0);
        Path path = dir.resolve("epoch2.kiln");
        first.save(path);
        Model resumed = Model.load(path);
        assertEquals(first.optimizer().state(), resumed.optimizer().state(), "iterations and every slot");
        History secondHalf = fit(resumed, 4, 2);

        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
            assertEquals(full.get(key).subList(0, 2), firstHalf.get(key), key);
            assertEquals(full.get(key).subList(2, 4), secondHalf.get(key), key + " after resuming");
        }
        assertEquals(List.of(2, 3), secondHalf.epochs());
        assertSameWeights(straight, resumed);
        assertEquals(straight.optimizer().state(), resumed.optimizer().state());
    }

    @Test
    void backupAndRestoreResumesAnInterruptedFit() {
        Model straight = build();
        History full = fit(straight, 4, 0);

        var backup = new BackupAndRestore(dir.resolve("backup"));
        var powerCut = new LambdaCallback().onEpochEnd((epoch, logs) -> {
            if (epoch == 1) throw new IllegalStateException("power cut after epoch " + (epoch + 1));
        });
        assertThrows(IllegalStateException.class, () -> fit(build(), 4, 0, backup, powerCut));
        assertTrue(Files.exists(backup.backupFile()), "the backup survives the crash");

        Model rerun = build();
        History rest = fit(rerun, 4, 0, new BackupAndRestore(dir.resolve("backup")));
        assertEquals(List.of(2, 3), rest.epochs(), "resumed after the last backed-up epoch");
        assertEquals(full.get("loss").subList(2, 4), rest.get("loss"));
        assertEquals(full.get("val_accuracy").subList(2, 4), rest.get("val_accuracy"));
        assertSameWeights(straight, rerun);
        assertFalse(Files.exists(backup.backupFile()), "a finished fit deletes its backup");
    }

    @Test
    void theCompileSettingsComeBack() {
        Model model = build();
        model.optimizer().setLearningRate(0.0025);   // as ReduceLROnPlateau would
        fit(model, 1, 0);
        Path path = dir.resolve("compiled.kiln");
        model.save(path);
        Model loaded = Model.load(path);
        CompileConfig saved = model.compileConfig();
        CompileConfig back = loaded.compileConfig();
        assertEquals(saved.optimizer().config(), back.optimizer().config());
        assertEquals(0.0025, back.optimizer().learningRate(), 0.0);
        assertEquals(saved.losses().stream().map(Loss::config).toList(), back.losses().stream().map(Loss::config).toList());
        assertEquals(saved.lossWeights(), back.lossWeights());
        assertEquals(List.of(List.of("accuracy")), back.metrics());
        Map<String, Double> expected = model.evaluate(X, Y);
        assertEquals(expected, loaded.evaluate(X, Y), "same loss and metrics");
    }

    @Test
    void slotsFollowTheirWeightsWhenTheOptimizerSawThemInAnotherOrder() {
        Model model = build();
        Layer firstDense = model.layers().get(0);
        firstDense.setTrainable(false);
        fit(model, 1, 0);                 // the optimizer sees the batch normalization and the last Dense first
        firstDense.setTrainable(true);
        fit(model, 1, 0);                 // then the first Dense
        Path path = dir.resolve("unfrozen.kiln");
        model.save(path);
        Model loaded = Model.load(path);
        assertEquals(paths(model, model.optimizer().parameters()), paths(loaded, loaded.optimizer().parameters()));
        assertEquals("batch_normalization/gamma", paths(model, model.optimizer().parameters()).get(0));
        assertEquals(model.optimizer().state(), loaded.optimizer().state());
    }

    @Test
    void restoringIntoAModelWithAnotherOptimizerChangesNothing() {
        Model model = build();
        fit(model, 1, 0);
        Path path = dir.resolve("adam.kiln");
        model.save(path);
        Model other = build();
        other.compile(new SGD(0.1), dev.kiln.losses.Losses.binaryCrossentropy(), "accuracy");
        double[] before = other.weights().get(0).toDoubleArray();
        var e = assertThrows(ModelFileException.class, () -> ModelFile.restore(other, path));
        assertTrue(e.getMessage().contains("Cannot restore the optimizer state") && e.getMessage().contains("'adam' into optimizer 'sgd'"),
                e.getMessage());
        assertArrayEquals(before, other.weights().get(0).toDoubleArray(), 0.0, "the weights are untouched");
    }

    @Test
    void anOptimizerStateForAnotherWeightIsAnError() throws IOException {
        Model model = build();
        fit(model, 1, 0);
        Path path = dir.resolve("renamed.kiln");
        model.save(path);
        ZipEdit.rewrite(path, (name, bytes) -> new ZipEdit.Entry(name.replace("optimizer/dense/kernel/", "optimizer/dense/kernal/"),
                name.equals("optimizer.json") ? ZipEdit.bytes(ZipEdit.text(bytes).replace("\"dense/kernel\"", "\"dense/kernal\"")) : bytes));
        var e = assertThrows(ModelFileException.class, () -> Model.load(path));
        assertTrue(e.getMessage().contains("Cannot restore the optimizer state in " + path) && e.getMessage().contains("no weight 'dense/kernal'"),
                e.getMessage());
    }

    private static List<String> paths(Model model, List<Tensor> tensors) {
        List<Weight> weights = model.namedWeights();
        return tensors.stream().map(t -> weights.stream().filter(w -> w.value() == t).findFirst().orElseThrow().path()).toList();
    }

    private static void assertSameWeights(Model expected, Model actual) {
        for (int i = 0; i < expected.weights().size(); i++) {
            assertArrayEquals(expected.weights().get(i).toDoubleArray(), actual.weights().get(i).toDoubleArray(), 0.0,
                    expected.namedWeights().get(i).path());
        }
    }
}
