package dev.kiln.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Labels and weights that do not fit a loss get an error naming the loss, what it expects and what it received. */
class LossErrorsTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    private static String message(Executable call) { return assertThrows(IllegalArgumentException.class, call).getMessage(); }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
    }

    @Test
    void binaryCrossentropyRejectsLabelsOutsideZeroOne() {
        var yPred = t(new double[] {0.2, 0.7}, 2, 1);
        assertEquals("BinaryCrossentropy expects labels in [0, 1]. Received a label 2.0",
                message(() -> new BinaryCrossentropy().apply(t(new double[] {0, 2}, 2), yPred)));
        assertContains(message(() -> new BinaryCrossentropy(true).apply(Tensor.of(new int[] {-1, 1}, 2), yPred)), "Received a label -1.0");
        assertContains(message(() -> new BinaryCrossentropy().apply(t(new double[] {Double.NaN, 1}, 2), yPred)), "Received a label NaN");
    }

    @Test
    void largeLabelTensorsAreCheckedByReductions() {
        int n = 5000;
        double[] labels = new double[n];
        labels[4321] = 3;
        var yPred = Tensor.of(new float[n], n, 1);
        assertEquals("BinaryCrossentropy expects labels in [0, 1]. Received a label 3.0",
                message(() -> new BinaryCrossentropy().apply(Tensor.of(labels, n, 1).cast(dev.kiln.core.DType.FLOAT32), yPred)));
        labels[4321] = -0.5;
        assertContains(message(() -> new CategoricalCrossentropy().apply(t(labels, n / 2, 2), t(new double[n], n / 2, 2))),
                "CategoricalCrossentropy expects labels in [0, 1]. Received a label -0.5");
    }

    @Test
    void batchSizeMismatchNamesBothShapes() {
        assertEquals("BinaryCrossentropy: labels and predictions must have the same batch size. Received yTrue [3] and yPred [4, 1]",
                message(() -> new BinaryCrossentropy().apply(t(new double[] {0, 1, 1}, 3), t(new double[] {0.1, 0.2, 0.3, 0.4}, 4, 1))));
        assertContains(message(() -> new SparseCategoricalCrossentropy().apply(Tensor.of(new int[] {0, 1}, 2), t(new double[9], 3, 3))),
                "SparseCategoricalCrossentropy", "[2]", "[3, 3]");
    }

    @Test
    void labelShapesThatDoNotFitNameTheOtherLoss() {
        var probabilities = t(new double[] {0.2, 0.5, 0.3, 0.1, 0.6, 0.3}, 2, 3);
        assertEquals("CategoricalCrossentropy expects labels of the predictions' shape [2, 3] (one-hot; for integer class indices use "
                        + "SparseCategoricalCrossentropy). Received labels [2]",
                message(() -> new CategoricalCrossentropy().apply(Tensor.of(new int[] {1, 2}, 2), probabilities)));
        assertContains(message(() -> new SparseCategoricalCrossentropy().apply(t(new double[] {0, 1, 0, 0, 0, 1}, 2, 3), probabilities)),
                "one class index per sample", "[2] or [2, 1]", "[2, 3]", "use CategoricalCrossentropy");
        assertContains(message(() -> new MeanSquaredError().apply(t(new double[4], 2, 2), t(new double[6], 2, 3))),
                "MeanSquaredError expects labels of the predictions' shape [2, 3]. Received labels [2, 2]");
    }

    @Test
    void sparseCategoricalCrossentropyRejectsClassIndicesOutOfRangeOrFractional() {
        var probabilities = t(new double[] {0.2, 0.5, 0.3, 0.1, 0.6, 0.3}, 2, 3);
        assertEquals("SparseCategoricalCrossentropy expects class indices in [0, 3) for predictions [2, 3]. Received a label 3",
                message(() -> new SparseCategoricalCrossentropy().apply(Tensor.of(new int[] {1, 3}, 2), probabilities)));
        assertContains(message(() -> new SparseCategoricalCrossentropy(true).apply(Tensor.of(new long[] {-1, 0}, 2, 1), probabilities)),
                "Received a label -1");
        assertEquals("SparseCategoricalCrossentropy expects integer class indices. Received a label 1.5",
                message(() -> new SparseCategoricalCrossentropy().apply(t(new double[] {1.5, 0}, 2), probabilities)));
        assertContains(message(() -> new SparseCategoricalCrossentropy().apply(Tensor.of(new int[] {1, 2}, 2), t(new double[] {0.5, 0.5}, 2))),
                "expects predictions [batch, classes]", "[2]");
    }

    @Test
    void hingeRejectsLabelsOutsideMinusOneOne() {
        assertEquals("Hinge expects labels in [-1, 1]. Received a label 2.0",
                message(() -> new Hinge().apply(t(new double[] {1, 2}, 2), t(new double[] {0.5, 0.5}, 2, 1))));
    }

    @Test
    void sampleWeightsMustHaveOnePerSampleOrTheLossesShape() {
        var yTrue = t(new double[] {0, 1, 1}, 3, 1);
        var yPred = t(new double[] {0.2, 0.7, 0.9}, 3, 1);
        assertEquals("BinaryCrossentropy: sample weights of shape [2] do not fit the per-sample losses [3]. Expected a scalar, one weight "
                        + "per sample ([3] or [3, 1]) or the shape [3]",
                message(() -> new BinaryCrossentropy().apply(yTrue, yPred, t(new double[] {1, 2}, 2))));
    }

    @Test
    void configsValidateTheirArguments() {
        assertEquals("labelSmoothing must be in [0, 1]. Received: labelSmoothing=1.5", message(() -> new BinaryCrossentropy(false, 1.5)));
        assertEquals("labelSmoothing must be in [0, 1]. Received: labelSmoothing=-0.1", message(() -> new CategoricalCrossentropy(true, -0.1)));
        assertEquals("delta must be positive. Received: delta=0.0", message(() -> new Huber(0)));
        assertContains(message(() -> new MeanSquaredError(new MeanSquaredError.Config(Reduction.SUM, " "))), "needs a name");
        assertContains(message(() -> Reduction.of("average")), "Unknown reduction 'average'", "sum_over_batch_size");
    }
}
