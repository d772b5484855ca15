package dev.kiln.models;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static dev.kiln.layers.Activation.TANH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.callbacks.Callback;
import dev.kiln.callbacks.Logs;
import dev.kiln.core.Kiln;
import dev.kiln.core.Tensor;
import dev.kiln.data.Dataset;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.Layer;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metrics;
import dev.kiln.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** compile / fit / evaluate / predict end to end on small problems with known answers. */
class TrainerTest {

    @BeforeEach
    void reset() {
        Layer.resetNames();
        Kiln.seed(42);
    }

    @Test
    void xorIsLearnedPerfectly() {
        var x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        var y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1);
        var model = new Sequential(Input.of(2), new Dense(8, TANH), new Dense(1, SIGMOID));
        model.compile(new Adam(0.05), Losses.binaryCrossentropy(), "accuracy");
        model.fit(x, y, FitOptions.epochs(300).withBatchSize(4).withVerbose(0));
        assertEquals(1.0, model.evaluate(x, y).get("accuracy"), 0.0);
    }

    @Test
    void twoMoonsReachesOver97Percent() {
        var data = twoMoons(600, 7);
        var model = new Sequential(Input.of(2), new Dense(16, RELU), new Dense(16, RELU), new Dense(1, SIGMOID));
        model.compile("adam", "binary_crossentropy", "accuracy");
        model.optimizer().setLearningRate(0.01);
        var history = model.fit(data.features().get(0), data.labels(), FitOptions.epochs(60).withVerbose(0).withValidationSplit(0.2));
        assertTrue(history.last("val_accuracy") > 0.97, "val_accuracy " + history.last("val_accuracy"));
        assertTrue(history.last("accuracy") > 0.97, "accuracy " + history.last("accuracy"));
    }

    @Test
    void aSyntheticSequenceTaskTrainsWithTheSeedCnnLayout() {
        // label 1 when token 7 occurs anywhere in the sequence
        int n = 512, steps = 20, vocabulary = 50;
        var rng = new Random(3);
        int[] tokens = new int[n * steps];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            boolean positive = i % 2 == 0;
            for (int t = 0; t < steps; t++) {
                int token;
                do { token = 1 + rng.nextInt(vocabulary - 1); } while (token == 7);
                tokens[i * steps + t] = token;
            }
            if (positive) tokens[i * steps + rng.nextInt(steps)] = 7;
            labels[i] = positive ? 1 : 0;
        }
        var model = new Sequential(new Embedding(vocabulary, 8), new Conv1D(16, 3, RELU), new GlobalMaxPooling1D(), new Dense(1, SIGMOID));
        model.compile(new Adam(0.01), Losses.binaryCrossentropy(), Metrics.accuracy());
        var history = model.fit(Tensor.of(tokens, n, steps), Tensor.of(labels, n, 1), FitOptions.epochs(8).withVerbose(0));
        assertTrue(history.last("accuracy") > 0.9, "accuracy " + history.last("accuracy"));
    }

    @Test
    void theSameSeedGivesTheSameHistory() {
        assertEquals(runTwoMoons(5), runTwoMoons(5));
    }

    private Map<String, List<Double>> runTwoMoons(long seed) {
        Layer.resetNames();
        Kiln.seed(seed);
        var data = twoMoons(200, 1);
        var model = new Sequential(Input.of(2), new Dense(8, RELU), new dev.kiln.layers.Dropout(0.2), new Dense(1, SIGMOID));
        model.compile("adam", "binary_crossentropy", "accuracy");
        return model.fit(data, FitOptions.epochs(3).withVerbose(0).withValidationSplit(0.25)).history();
    }

    @Test
    void validationSplitHoldsOutTheLastSamplesBeforeShuffling() {
        var data = twoMoons(100, 3);
        var steps = new ArrayList<Integer>();
        var model = new Sequential(Input.of(2), new Dense(4, RELU), new Dense(1, SIGMOID));
        model.compile("adam", "binary_crossentropy", "accuracy");
        var history = model.fit(data, FitOptions.epochs(1).withVerbose(0).withValidationSplit(0.2).withBatchSize(10), new Callback() {
            @Override
            public void onTrainBatchEnd(int batch, Logs logs) { steps.add(batch); }
        });
        assertEquals(8, steps.size(), "80 training samples in batches of 10");
        var lastTwenty = model.evaluate(data.skip(80));
        var firstTwenty = model.evaluate(data.take(20));
        assertEquals(lastTwenty.get("loss"), history.last("val_loss"), 1e-6);
        assertTrue(Math.abs(firstTwenty.get("loss") - history.last("val_loss")) > 1e-4, "the head would give another value");
    }

    @Test
    void predictReturnsEveryRowInOrder() {
        var model = new Sequential(Input.of(3), new Dense(2));
        var x = Tensor.uniform(dev.kiln.core.Shape.of(70, 3), -1, 1, dev.kiln.core.DType.FLOAT32);
        var batched = model.predict(x, 32);
        assertEquals(dev.kiln.core.Shape.of(70, 2), batched.shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(model.predictOnBatch(x).toFloatArray(), batched.toFloatArray(), 1e-6f);
    }

    @Test
    void fitBeforeCompileSaysSo() {
        var model = new Sequential(Input.of(2), new Dense(1));
        var e = assertThrows(IllegalStateException.class,
                () -> model.fit(Tensor.of(new float[] {1, 2}, 1, 2), Tensor.of(new float[] {1}, 1, 1), FitOptions.epochs(1)));
        assertTrue(e.getMessage().contains("compile()"), e.getMessage());
    }

    @Test
    void classWeightsScaleTheLoss() {
        var x = Tensor.of(new float[] {0.5f, -0.5f}, 2, 1);
        var y = Tensor.of(new float[] {1, 0}, 2, 1);
        Kiln.seed(1);
        var plain = new Sequential(Input.of(1), new Dense(1, SIGMOID));
        plain.compile("sgd", "binary_crossentropy");
        double unweighted = plain.fit(x, y, FitOptions.epochs(1).withVerbose(0).withShuffle(false)).last("loss");
        Layer.resetNames();
        Kiln.seed(1);
        var weighted = new Sequential(Input.of(1), new Dense(1, SIGMOID));
        weighted.compile("sgd", "binary_crossentropy");
        double doubled = weighted.fit(x, y, FitOptions.epochs(1).withVerbose(0).withShuffle(false).withClassWeight(Map.of(0, 2.0, 1, 2.0))).last("loss");
        assertEquals(2 * unweighted, doubled, 1e-5);
    }

    /** Two interleaved half circles with a little noise (scikit-learn's make_moons). */
    static Dataset twoMoons(int n, long seed) {
        var rng = new Random(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double angle = Math.PI * rng.nextDouble();
            boolean upper = i % 2 == 0;
            x[2 * i] = (float) ((upper ? Math.cos(angle) : 1 - Math.cos(angle)) + 0.1 * rng.nextGaussian());
            x[2 * i + 1] = (float) ((upper ? Math.sin(angle) : 0.5 - Math.sin(angle)) + 0.1 * rng.nextGaussian());
            y[i] = upper ? 0 : 1;
        }
        return Dataset.of(Tensor.of(x, n, 2), Tensor.of(y, n, 1));
    }
}
