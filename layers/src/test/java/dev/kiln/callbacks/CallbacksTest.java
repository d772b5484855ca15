package dev.kiln.callbacks;

import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Layer;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import dev.kiln.optim.SGD;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallbacksTest {

    @BeforeEach
    void reset() {
        Layer.resetNames();
        Kiln.seed(0);
    }

    private static Sequential compiledModel() {
        var model = new Sequential(Input.of(2), new Dense(1, SIGMOID));
        model.compile(new SGD(0.1), dev.kiln.losses.Losses.binaryCrossentropy());
        return model;
    }

    private static void setAllWeights(Sequential model, double value) {
        for (Tensor w : model.weights()) w.assign(Tensor.full(w.shape(), value, w.dtype()));
    }

    /**
     * Runs {@code stopper} over epochs whose weights all equal the epoch's number and whose val_loss is given, until
     * it stops training; returns how many epochs ran.
     */
    private static int epochsRun(Sequential model, EarlyStopping stopper, double... valLoss) {
        stopper.setModel(model, new TrainingParams(valLoss.length, 1, 0, 32, 32));
        stopper.onTrainBegin(new Logs());
        int epoch = 0;
        for (; epoch < valLoss.length && !model.stopTraining(); epoch++) {
            setAllWeights(model, epoch);                       // the weights "trained" in this epoch
            stopper.onEpochEnd(epoch, new Logs().put("val_loss", valLoss[epoch]));
        }
        return epoch;
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresTheBestWeights() {
        var model = compiledModel();
        var stopper = new EarlyStopping("val_loss", 2, true);
        int epochs = epochsRun(model, stopper, 1.0, 0.5, 0.7, 0.8, 0.9);
        assertEquals(4, epochs, "stops at the end of epoch 3 (0-based): two epochs without improving on 0.5");
        assertEquals(1, stopper.bestEpoch());
        for (Tensor w : model.weights()) assertTrue(java.util.Arrays.stream(w.toDoubleArray()).allMatch(v -> v == 3.0));
        stopper.onTrainEnd(new Logs());                        // Keras 3 restores when training ends
        for (Tensor w : model.weights()) assertTrue(java.util.Arrays.stream(w.toDoubleArray()).allMatch(v -> v == 1.0));
    }

    /** Keras 3 restores the best weights also when training runs all its epochs without stopping early. */
    @Test
    void earlyStoppingRestoresTheBestWeightsWithoutStoppingEarly() {
        var model = compiledModel();
        var stopper = new EarlyStopping("val_loss", 5, true);
        assertEquals(3, epochsRun(model, stopper, 1.0, 0.5, 0.7));
        assertFalse(model.stopTraining());
        stopper.onTrainEnd(new Logs());
        assertEquals(0, stopper.stoppedEpoch());
        for (Tensor w : model.weights()) assertTrue(java.util.Arrays.stream(w.toDoubleArray()).allMatch(v -> v == 1.0));
    }

    @Test
    void earlyStoppingMonitorsAccuracyUpwardsAndHonoursMinDelta() {
        var model = compiledModel();
        var stopper = new EarlyStopping(new EarlyStopping.Config("val_accuracy", 0.05, 1, Mode.AUTO, false, 0, null));
        stopper.setModel(model, new TrainingParams(10, 1, 0, 32, 32));
        stopper.onTrainBegin(new Logs());
        stopper.onEpochEnd(0, new Logs().put("val_accuracy", 0.80));
        stopper.onEpochEnd(1, new Logs().put("val_accuracy", 0.83));   // +0.03 < minDelta: no improvement
        assertTrue(model.stopTraining());
    }

    @Test
    void terminateOnNaNStopsAndSaysWhere() {
        var model = new Sequential(Input.of(2), new Dense(1));
        model.compile(new SGD(0.1), dev.kiln.losses.Losses.meanSquaredError());
        var x = Tensor.of(new float[] {Float.NaN, 1, 2, 3}, 2, 2);
        var y = Tensor.of(new float[] {0, 1}, 2, 1);
        var stop = new TerminateOnNaN();
        var history = model.fit(x, y, FitOptions.epochs(5).withBatchSize(1).withShuffle(false).withVerbose(0), stop);
        assertNotNull(stop.message());
        assertTrue(stop.message().contains("Epoch 1, step 1"), stop.message());
        assertEquals(1, history.epochs().size());
    }

    @Test
    void csvLoggerWritesARowPerEpochAndAppends(@TempDir Path dir) throws Exception {
        var file = dir.resolve("log.csv");
        var model = compiledModel();
        var x = Tensor.uniform(Shape.of(8, 2), -1, 1, DType.FLOAT32);
        var y = Tensor.of(new float[] {0, 1, 0, 1, 0, 1, 0, 1}, 8, 1);
        model.fit(x, y, FitOptions.epochs(2).withVerbose(0), new CSVLogger(file));
        model.fit(x, y, FitOptions.epochs(3).withInitialEpoch(2).withVerbose(0), new CSVLogger(file, ",", true));
        List<String> lines = Files.readAllLines(file);
        assertEquals("epoch,loss", lines.get(0));
        assertEquals(4, lines.size());
        assertTrue(lines.get(3).startsWith("2,"), lines.get(3));
    }

    @Test
    void reduceLROnPlateauAndTheScheduler() {
        var model = compiledModel();
        var reducer = new ReduceLROnPlateau("loss", 0.5, 1);
        reducer.setModel(model, new TrainingParams(5, 1, 0, 32, 32));
        reducer.onTrainBegin(new Logs());
        reducer.onEpochEnd(0, new Logs().put("loss", 1.0));
        reducer.onEpochEnd(1, new Logs().put("loss", 1.0));
        assertEquals(0.05, model.optimizer().learningRate(), 1e-12);
        var scheduler = new LearningRateScheduler((epoch, rate) -> epoch < 1 ? rate : rate * 0.1);
        var x = Tensor.uniform(Shape.of(4, 2), -1, 1, DType.FLOAT32);
        var y = Tensor.of(new float[] {0, 1, 0, 1}, 4, 1);
        var history = model.fit(x, y, FitOptions.epochs(2).withVerbose(0), scheduler);
        assertEquals(List.of(0.05, 0.005), history.get("learning_rate").stream().map(v -> Math.round(v * 1e9) / 1e9).toList());
    }

    @Test
    void progressBarPrintsKerasStyleLines() {
        var bytes = new ByteArrayOutputStream();
        var model = compiledModel();
        var x = Tensor.uniform(Shape.of(64, 2), -1, 1, DType.FLOAT32);
        var y = Tensor.of(new float[64], 64, 1);
        model.fit(x, y, FitOptions.epochs(2).withVerbose(0), new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("Epoch 1/2") && out.contains("Epoch 2/2"), out);
        assertTrue(out.matches("(?s).*2/2 ━+ \\d+s \\d+(ms|us|s)/step - [\\d,]+ samples/s - loss: \\d\\.\\d{4}.*"), out);
        assertFalse(out.contains("\r"), "one line per epoch when the output is not a terminal");
    }

    @Test
    void lambdaCallbackSeesEveryEpoch() {
        var model = compiledModel();
        var epochs = new java.util.ArrayList<Integer>();
        var x = Tensor.uniform(Shape.of(4, 2), -1, 1, DType.FLOAT32);
        var y = Tensor.of(new float[] {0, 1, 0, 1}, 4, 1);
        model.fit(x, y, FitOptions.epochs(3).withVerbose(0), new LambdaCallback().onEpochEnd((e, logs) -> epochs.add(e)));
        assertEquals(List.of(0, 1, 2), epochs);
    }
}
