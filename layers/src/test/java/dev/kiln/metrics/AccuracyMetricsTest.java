package dev.kiln.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.losses.BinaryCrossentropy;
import dev.kiln.losses.CategoricalCrossentropy;
import dev.kiln.losses.MeanSquaredError;
import dev.kiln.losses.SparseCategoricalCrossentropy;
import org.junit.jupiter.api.Test;

/** The accuracies and Mean, across several batches, against counts done by hand. */
class AccuracyMetricsTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    // Three samples, three classes. Argmax of the predictions: 2, 0, 0 (the tie in row 3 goes to the first); labels 2, 1, 0.
    private static final Tensor ONE_HOT = t(new double[] {0, 0, 1, 0, 1, 0, 1, 0, 0}, 3, 3);
    private static final Tensor PROBABILITIES = t(new double[] {0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.4, 0.4, 0.2}, 3, 3);

    @Test
    void meanWeighsEachValue() {
        var loss = new Mean("loss");
        loss.update(0.5, 32);                // the trainer weighs a batch's loss by its size, as Keras
        loss.update(0.8, 8);
        assertEquals((0.5 * 32 + 0.8 * 8) / 40, loss.result(), 1e-12);
        loss.reset();
        assertEquals(0.0, loss.result());
        loss.update(3);
        assertEquals(3.0, loss.result());
        var e = assertThrows(UnsupportedOperationException.class, () -> loss.update(ONE_HOT, PROBABILITIES));
        assertTrue(e.getMessage().contains("update(value, weight)"), e.getMessage());
    }

    @Test
    void binaryAccuracyAcrossBatchesWithWeights() {
        var metric = new BinaryAccuracy();
        // batch 1: p > 0.5 gives 1, 1, 0, 0 against labels 1, 0, 1, 0 → matches 1, 0, 0, 1
        metric.update(t(new double[] {1, 0, 1, 0}, 4), t(new double[] {0.9, 0.6, 0.4, 0.1}, 4, 1));
        assertEquals(0.5, metric.result(), 1e-12);
        // batch 2: 0.7 → 1 matches; 0.5 is not above the threshold → 0, no match
        metric.update(t(new double[] {1, 1}, 2, 1), t(new double[] {0.7, 0.5}, 2, 1), t(new double[] {3, 1}, 2));
        assertEquals((2 + 3) / 8.0, metric.result(), 1e-12);
        metric.reset();
        assertEquals(0.0, metric.result());
        metric.update(t(new double[] {1, 1}, 2, 1), t(new double[] {0.7, 0.5}, 2, 1));
        assertEquals(0.5, metric.result(), 1e-12);
        var low = new BinaryAccuracy(0.3);
        low.update(t(new double[] {1, 0, 1, 0}, 4), t(new double[] {0.9, 0.6, 0.4, 0.1}, 4, 1));
        assertEquals(0.75, low.result(), 1e-12);
    }

    @Test
    void binaryAccuracyAveragesSeveralColumnsPerSampleAndFollowsKerasWeightRules() {
        var yTrue = t(new double[] {1, 0, 1, 1}, 2, 2);
        var yPred = t(new double[] {0.8, 0.2, 0.3, 0.9}, 2, 2);   // sample 1 matches twice, sample 2 once
        var metric = new BinaryAccuracy();
        metric.update(yTrue, yPred);
        assertEquals(0.75, metric.result(), 1e-12);
        // the columns are averaged into one value per sample before weighting, so weights per column do not fit (as Keras)
        var e = assertThrows(IllegalArgumentException.class, () -> metric.update(yTrue, yPred, t(new double[] {1, 1, 2, 0}, 2, 2)));
        assertEquals("BinaryAccuracy 'binary_accuracy': sample weights of shape [2, 2] do not fit a batch of 2 samples. "
                + "Expected a scalar, [2] or [2, 1]", e.getMessage());
        // a scalar weight counts the batch as that weight, as Keras: total 2·0.75, count 2; then 2 unweighted samples
        metric.reset();
        metric.update(yTrue, yPred, Tensor.scalar(2, DType.FLOAT64));
        metric.update(t(new double[] {1, 0}, 2), t(new double[] {0.9, 0.9}, 2, 1));
        assertEquals((2 * 0.75 + 1) / 4, metric.result(), 1e-12);
    }

    @Test
    void categoricalAndSparseCategoricalAccuracy() {
        var categorical = new CategoricalAccuracy();
        categorical.update(ONE_HOT, PROBABILITIES);
        assertEquals(2 / 3.0, categorical.result(), 1e-12);
        categorical.update(ONE_HOT, PROBABILITIES, t(new double[] {1, 2, 3}, 3));
        assertEquals((2 + 1 + 3) / (3.0 + 6), categorical.result(), 1e-12);

        var sparse = new SparseCategoricalAccuracy();
        sparse.update(Tensor.of(new int[] {2, 1, 0}, 3), PROBABILITIES);
        assertEquals(2 / 3.0, sparse.result(), 1e-12);
        sparse.update(t(new double[] {2, 1, 0}, 3, 1), PROBABILITIES, t(new double[] {0, 1, 0}, 3, 1));
        assertEquals(2 / 4.0, sparse.result(), 1e-12);
    }

    @Test
    void perStepValuesTakeOneWeightPerStep() {
        // [B=2, T=2, K=2]: predicted classes [[0, 1], [0, 1]] against labels [[0, 0], [0, 1]] → matches [[1, 0], [1, 1]]
        var yPred = t(new double[] {0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7}, 2, 2, 2);
        var labels = Tensor.of(new int[] {0, 0, 0, 1}, 2, 2);
        var metric = new SparseCategoricalAccuracy();
        metric.update(labels, yPred);
        assertEquals((0.5 + 1) / 2, metric.result(), 1e-12);
        // weights [[1, 3], [2, 0]]: total += mean(v·w) = (1 + 0)/2 and (2 + 0)/2; count += mean(w) = 2 and 1
        metric.reset();
        metric.update(labels, yPred, t(new double[] {1, 3, 2, 0}, 2, 2));
        assertEquals((0.5 + 1) / 3, metric.result(), 1e-12);
        metric.reset();
        metric.update(labels, yPred, t(new double[] {1, 3}, 2));
        assertEquals((0.5 + 3) / 4, metric.result(), 1e-12);
    }

    @Test
    void topKCountsTiesAtTheBoundaryAsInside() {
        var top2 = new TopKCategoricalAccuracy(2);
        // label 2 scores highest; label 1 has one higher score (fewer than 2); label 0 ties with 0.4 and nothing is higher
        top2.update(ONE_HOT, PROBABILITIES);
        assertEquals(1.0, top2.result(), 1e-12);
        var top1 = new SparseTopKCategoricalAccuracy(1);
        top1.update(Tensor.of(new int[] {2, 1, 2}, 3), PROBABILITIES);   // row 3: class 2 (0.2) has two higher scores
        assertEquals(1 / 3.0, top1.result(), 1e-12);
        top1.reset();
        top1.update(Tensor.of(new int[] {2, 0, 1}, 3), PROBABILITIES);   // row 3: class 1 ties the maximum: inside
        assertEquals(1.0, top1.result(), 1e-12);
        var top5 = new TopKCategoricalAccuracy();
        top5.update(ONE_HOT, PROBABILITIES);
        assertEquals(1.0, top5.result(), 1e-12);
        assertEquals("top_k_categorical_accuracy", top5.name());
    }

    @Test
    void accuracyChoosesFromTheLossThenFromTheShapes() {
        assertEquals(Accuracy.Kind.BINARY, Accuracy.choose(null, Shape.of(8), Shape.of(8, 1)));
        assertEquals(Accuracy.Kind.BINARY, Accuracy.choose(null, Shape.of(8), Shape.of(8)));
        assertEquals(Accuracy.Kind.SPARSE_CATEGORICAL, Accuracy.choose(null, Shape.of(8), Shape.of(8, 3)));
        assertEquals(Accuracy.Kind.SPARSE_CATEGORICAL, Accuracy.choose(null, Shape.of(8, 1), Shape.of(8, 3)));
        assertEquals(Accuracy.Kind.CATEGORICAL, Accuracy.choose(null, Shape.of(8, 3), Shape.of(8, 3)));
        assertEquals(Accuracy.Kind.BINARY, Accuracy.choose(new BinaryCrossentropy(), Shape.of(8, 3), Shape.of(8, 3)));  // multi-label
        assertEquals(Accuracy.Kind.CATEGORICAL, Accuracy.choose(new CategoricalCrossentropy(), Shape.of(8, 1), Shape.of(8, 1)));
        assertEquals(Accuracy.Kind.SPARSE_CATEGORICAL, Accuracy.choose(new SparseCategoricalCrossentropy(), Shape.of(8), Shape.of(8, 3)));
        assertEquals(Accuracy.Kind.CATEGORICAL, Accuracy.choose(new MeanSquaredError(), Shape.of(8, 3), Shape.of(8, 3)));
    }

    @Test
    void accuracyDecidesAtTheFirstBatchAndThenCounts() {
        var accuracy = Metrics.accuracy();
        assertNull(accuracy.kind());
        accuracy.update(Tensor.of(new int[] {2, 1, 0}, 3), PROBABILITIES);
        assertEquals(Accuracy.Kind.SPARSE_CATEGORICAL, accuracy.kind());
        assertEquals(2 / 3.0, accuracy.result(), 1e-12);
        var binary = new Accuracy(new BinaryCrossentropy());
        // 9 independent outputs; p > 0.5 only for 0.7 (row 1, column 3): right where the label is 0, except that one
        binary.update(t(new double[] {1, 0, 0, 0, 1, 0, 1, 1, 0}, 3, 3), PROBABILITIES);
        assertEquals(Accuracy.Kind.BINARY, binary.kind());
        assertEquals((1 + 2 + 1) / 9.0, binary.result(), 1e-12);
        assertEquals("accuracy", binary.name());
    }

    @Test
    void metricsKeepNoTensorsAcrossTheStepScope() {
        var accuracy = new CategoricalAccuracy();
        var mse = Metrics.resolve("mse", null);
        for (int step = 0; step < 3; step++) {
            try (var scope = MemoryScope.open()) {
                var logits = t(new double[] {1, 2, 9, 8, 1, 1, 3, 2, 1}, 3, 3).requiringGrad().mul(1.0);   // made in the scope
                accuracy.update(ONE_HOT, logits);
                mse.update(ONE_HOT, logits.softmax());
                assertTrue(scope.ownedCount() > 0);
            }
        }
        assertEquals(2 / 3.0, accuracy.result(), 1e-12);
        double z0 = Math.exp(1) + Math.exp(2) + Math.exp(9);
        double z1 = Math.exp(8) + 2 * Math.exp(1);
        double z2 = Math.exp(3) + Math.exp(2) + Math.exp(1);
        double[] p = {Math.exp(1) / z0, Math.exp(2) / z0, Math.exp(9) / z0, Math.exp(8) / z1, Math.exp(1) / z1, Math.exp(1) / z1,
                Math.exp(3) / z2, Math.exp(2) / z2, Math.exp(1) / z2};
        double[] y = {0, 0, 1, 0, 1, 0, 1, 0, 0};
        double expected = 0;
        for (int i = 0; i < 9; i++) expected += (p[i] - y[i]) * (p[i] - y[i]) / 9;    // mean over 3 samples of the 3-class means
        assertEquals(expected, mse.result(), 1e-12);
    }
}
