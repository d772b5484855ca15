package dev.kiln.losses;

import static java.lang.Math.exp;
import static java.lang.Math.log;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import org.junit.jupiter.api.Test;

/** Each loss against values written out by hand from its formula (and against Keras's documented examples). */
class LossValuesTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    private static double value(Loss loss, Tensor yTrue, Tensor yPred) { return loss.apply(yTrue, yPred).item(); }

    @Test
    void binaryCrossentropyFromProbabilitiesWithEveryReduction() {
        var yTrue = t(new double[] {0, 1, 1}, 3);                 // [B]: expanded to the predictions' [B, 1], as Keras
        var yPred = t(new double[] {0.2, 0.7, 0.9}, 3, 1);
        double[] perSample = {-log(0.8), -log(0.7), -log(0.9)};
        double sum = perSample[0] + perSample[1] + perSample[2];
        assertEquals(sum / 3, value(new BinaryCrossentropy(), yTrue, yPred), 1e-12);
        assertEquals(sum, value(new BinaryCrossentropy().withReduction(Reduction.SUM), yTrue, yPred), 1e-12);
        var none = new BinaryCrossentropy().withReduction(Reduction.NONE).apply(yTrue, yPred);
        assertEquals(Shape.of(3), none.shape());
        assertArrayEquals(perSample, none.toDoubleArray(), 1e-12);
    }

    @Test
    void sampleWeightsScaleEachSampleAndTheReductionDividesAsKeras() {
        var yTrue = t(new double[] {0, 1, 1}, 3, 1);
        var yPred = t(new double[] {0.2, 0.7, 0.9}, 3, 1);
        double weighted = -log(0.8) * 1 - log(0.7) * 2 - log(0.9) * 0.5;
        var loss = new BinaryCrossentropy();
        assertEquals(weighted / 3, loss.apply(yTrue, yPred, t(new double[] {1, 2, 0.5}, 3)).item(), 1e-12);     // weights of 0 still count
        assertEquals(weighted / 3, loss.apply(yTrue, yPred, t(new double[] {1, 2, 0.5}, 3, 1)).item(), 1e-12);
        assertEquals(weighted / 3.5, loss.withReduction(Reduction.MEAN_WITH_SAMPLE_WEIGHT)
                .apply(yTrue, yPred, t(new double[] {1, 2, 0.5}, 3)).item(), 1e-12);
        double plain = (-log(0.8) - log(0.7) - log(0.9)) / 3;
        assertEquals(2 * plain, loss.apply(yTrue, yPred, Tensor.scalar(2, DType.FLOAT64)).item(), 1e-12);
        assertEquals(plain, loss.withReduction(Reduction.MEAN_WITH_SAMPLE_WEIGHT)
                .apply(yTrue, yPred, Tensor.scalar(2, DType.FLOAT64)).item(), 1e-12);
        assertArrayEquals(new double[] {-log(0.8), -2 * log(0.7), -0.5 * log(0.9)}, loss.withReduction(Reduction.NONE)
                .apply(yTrue, yPred, t(new double[] {1, 2, 0.5}, 3)).toDoubleArray(), 1e-12);
    }

    @Test
    void binaryCrossentropyAveragesOverTheLastAxisAndClipsAsKeras() {
        var yTrue = t(new double[] {0, 1, 1, 0}, 2, 2);
        var yPred = t(new double[] {0.2, 0.6, 0.9, 0.3}, 2, 2);
        double[] expected = {(-log(0.8) - log(0.6)) / 2, (-log(0.9) - log(0.7)) / 2};
        assertArrayEquals(expected, new BinaryCrossentropy().withReduction(Reduction.NONE).apply(yTrue, yPred).toDoubleArray(), 1e-12);
        // p = 0 for a positive label is clipped to 1e-7, so the loss is finite: −log(1e-7)
        assertEquals(-log(1e-7), value(new BinaryCrossentropy(), t(new double[] {1}, 1, 1), t(new double[] {0}, 1, 1)), 1e-6);
    }

    @Test
    void binaryCrossentropyLabelSmoothingMovesLabelsTowardOneHalf() {
        var yTrue = t(new double[] {0, 1}, 2, 1);
        var yPred = t(new double[] {0.2, 0.7}, 2, 1);
        // smoothing 0.2: y' = y·0.8 + 0.1 → 0.1 and 0.9
        double l0 = -(0.1 * log(0.2) + 0.9 * log(0.8));
        double l1 = -(0.9 * log(0.7) + 0.1 * log(0.3));
        assertEquals((l0 + l1) / 2, value(new BinaryCrossentropy(false, 0.2), yTrue, yPred), 1e-12);
        assertEquals((l0 + l1) / 2, value(new BinaryCrossentropy(true, 0.2), yTrue, t(new double[] {log(0.2 / 0.8), log(0.7 / 0.3)}, 2, 1)), 1e-12);
    }

    @Test
    void binaryCrossentropyFromLogitsMatchesTheFormulaAndTheProbabilities() {
        double[] x = {-1, 0.5, 2};
        double[] y = {0, 1, 1};
        double expected = 0;
        double[] p = new double[3];
        for (int i = 0; i < 3; i++) {
            expected += (log(1 + exp(x[i])) - y[i] * x[i]) / 3;
            p[i] = 1 / (1 + exp(-x[i]));
        }
        var yTrue = t(y, 3, 1);
        assertEquals(expected, value(new BinaryCrossentropy(true), yTrue, t(x, 3, 1)), 1e-12);
        assertEquals(expected, value(new BinaryCrossentropy(false), yTrue, t(p, 3, 1)), 1e-12);
    }

    @Test
    void binaryCrossentropyTakesIntegerLabelsAndFloat32Predictions() {
        var yPred = Tensor.of(new float[] {0.2f, 0.7f}, 2, 1);
        var loss = new BinaryCrossentropy().apply(Tensor.of(new long[] {0, 1}, 2), yPred);
        assertEquals(DType.FLOAT32, loss.dtype());
        assertEquals((-log(0.8) - log(0.7)) / 2, loss.item(), 1e-6);
        assertEquals((-log(0.8) - log(0.7)) / 2, new BinaryCrossentropy().apply(Tensor.of(new int[] {0, 1}, 2, 1), yPred).item(), 1e-6);
    }

    @Test
    void categoricalCrossentropyFromProbabilitiesAsKerasExample() {
        var yTrue = t(new double[] {0, 1, 0, 0, 0, 1}, 2, 3);
        var yPred = t(new double[] {0.05, 0.95, 0, 0.1, 0.8, 0.1}, 2, 3);
        assertArrayEquals(new double[] {-log(0.95), -log(0.1)},
                new CategoricalCrossentropy().withReduction(Reduction.NONE).apply(yTrue, yPred).toDoubleArray(), 1e-9);
        assertEquals((-log(0.95) - log(0.1)) / 2, value(new CategoricalCrossentropy(), yTrue, yPred), 1e-9);   // Keras: 1.177
    }

    @Test
    void categoricalCrossentropyNormalizesProbabilitiesAndClipsZeros() {
        var yTrue = t(new double[] {0, 1, 0, 1, 0, 0}, 2, 3);
        var yPred = t(new double[] {2, 6, 2, 0, 0.5, 0.5}, 2, 3);     // rows sum to 10 and 1
        double[] expected = {-log(0.6), -log(1e-7)};
        assertArrayEquals(expected, new CategoricalCrossentropy().withReduction(Reduction.NONE).apply(yTrue, yPred).toDoubleArray(), 1e-6);
    }

    @Test
    void categoricalCrossentropyLabelSmoothingSpreadsOverTheClasses() {
        var yTrue = t(new double[] {0, 0, 1}, 1, 3);
        var yPred = t(new double[] {0.1, 0.8, 0.1}, 1, 3);
        // smoothing 0.3, K = 3: y' = y·0.7 + 0.1 → [0.1, 0.1, 0.8]
        double expected = -(0.1 * log(0.1) + 0.1 * log(0.8) + 0.8 * log(0.1));
        assertEquals(expected, value(new CategoricalCrossentropy(false, 0.3), yTrue, yPred), 1e-12);
    }

    @Test
    void categoricalCrossentropyFromLogitsMatchesTheFormulaAndTheProbabilities() {
        double[] logits = {1, 2, 3, 0, 0, 0};
        var yTrue = t(new double[] {0, 0, 1, 1, 0, 0}, 2, 3);
        double z = exp(1) + exp(2) + exp(3);
        double[] expected = {-log(exp(3) / z), log(3)};
        var none = new CategoricalCrossentropy(true).withReduction(Reduction.NONE);
        assertArrayEquals(expected, none.apply(yTrue, t(logits, 2, 3)).toDoubleArray(), 1e-12);
        double[] softmax = {exp(1) / z, exp(2) / z, exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0};
        assertArrayEquals(expected, new CategoricalCrossentropy(false).withReduction(Reduction.NONE)
                .apply(yTrue, t(softmax, 2, 3)).toDoubleArray(), 1e-12);
    }

    @Test
    void categoricalCrossentropyOnAnotherAxis() {
        // classes on axis 0 of each [3, 2] sample: columns are the distributions
        var yTrue = t(new double[] {0, 1, 1, 0, 0, 0}, 1, 3, 2);
        var logits = t(new double[] {1, 0, 2, 0, 3, 0}, 1, 3, 2);
        double z = exp(1) + exp(2) + exp(3);
        var loss = new CategoricalCrossentropy(new CategoricalCrossentropy.Config(true, 0, 1, Reduction.NONE, "cce"));
        assertArrayEquals(new double[] {-log(exp(2) / z), -log(1 / 3.0)}, loss.apply(yTrue, logits).toDoubleArray(), 1e-12);
    }

    @Test
    void sparseCategoricalCrossentropyTakesEveryLabelForm() {
        var yPred = t(new double[] {0.05, 0.95, 0, 0.1, 0.8, 0.1}, 2, 3);
        double expected = (-log(0.95) - log(0.1)) / 2;        // Keras's example: [0.0513, 2.303]
        var loss = new SparseCategoricalCrossentropy();
        assertEquals(expected, loss.apply(Tensor.of(new int[] {1, 2}, 2), yPred).item(), 1e-6);
        assertEquals(expected, loss.apply(Tensor.of(new long[] {1, 2}, 2, 1), yPred).item(), 1e-6);
        assertEquals(expected, loss.apply(t(new double[] {1, 2}, 2), yPred).item(), 1e-6);
        assertEquals(expected, loss.apply(Tensor.of(new float[] {1, 2}, 2, 1), yPred).item(), 1e-6);
    }

    @Test
    void sparseCategoricalCrossentropyFromLogitsAgreesWithCategorical() {
        var logits = t(new double[] {1, 2, 3, 0, 0, 0}, 2, 3);
        double z = exp(1) + exp(2) + exp(3);
        double[] expected = {-log(exp(3) / z), log(3)};
        var sparse = new SparseCategoricalCrossentropy(true).withReduction(Reduction.NONE);
        assertArrayEquals(expected, sparse.apply(Tensor.of(new int[] {2, 0}, 2), logits).toDoubleArray(), 1e-12);
        double[] softmax = {exp(1) / z, exp(2) / z, exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0};
        assertArrayEquals(expected, new SparseCategoricalCrossentropy(false).withReduction(Reduction.NONE)
                .apply(Tensor.of(new int[] {2, 0}, 2), t(softmax, 2, 3)).toDoubleArray(), 1e-12);
    }

    @Test
    void sparseCategoricalCrossentropyPerStepWithPerSampleWeights() {
        // [B=2, T=2, K=2] logits, labels [B, T]; the weight of a sample multiplies both of its steps
        var logits = t(new double[] {0, 0, 1, 0, 0, 2, 0, 0}, 2, 2, 2);
        var labels = Tensor.of(new int[] {0, 0, 1, 1}, 2, 2);
        double[] perStep = {log(2), log(1 + exp(-1)), log(1 + exp(-2)), log(2)};
        var none = new SparseCategoricalCrossentropy(true).withReduction(Reduction.NONE);
        assertArrayEquals(perStep, none.apply(labels, logits).toDoubleArray(), 1e-12);
        assertEquals(Shape.of(2, 2), none.apply(labels, logits).shape());
        double weighted = 2 * (perStep[0] + perStep[1]) + 0.5 * (perStep[2] + perStep[3]);
        assertEquals(weighted / 4, new SparseCategoricalCrossentropy(true).apply(labels, logits, t(new double[] {2, 0.5}, 2)).item(), 1e-12);
    }

    @Test
    void meanSquaredAndAbsoluteErrorAsKerasExamples() {
        var yTrue = t(new double[] {0, 1, 0, 0}, 2, 2);
        var yPred = t(new double[] {1, 1, 1, 0}, 2, 2);
        assertEquals(0.5, value(new MeanSquaredError(), yTrue, yPred), 1e-12);
        assertEquals(0.5, value(new MeanAbsoluteError(), yTrue, yPred), 1e-12);
        var labels = t(new double[] {1, 2, 3}, 3);
        var predictions = t(new double[] {1, 2.5, 1}, 3, 1);
        assertEquals((0 + 0.25 + 4) / 3, value(new MeanSquaredError(), labels, predictions), 1e-12);
        assertEquals((0 + 0.5 + 2) / 3, value(new MeanAbsoluteError(), labels, predictions), 1e-12);
        assertEquals(0.25 + 4, value(new MeanSquaredError().withReduction(Reduction.SUM), labels, predictions), 1e-12);
    }

    @Test
    void huberIsQuadraticInsideDeltaAndLinearOutside() {
        var yTrue = t(new double[] {0, 0, 0}, 1, 3);
        var yPred = t(new double[] {0.5, 2, -3}, 1, 3);
        // delta 1: 0.125, 1·2 − 0.5 = 1.5, 1·3 − 0.5 = 2.5
        assertEquals((0.125 + 1.5 + 2.5) / 3, value(new Huber(), yTrue, yPred), 1e-12);
        // delta 2: 0.125, 0.5·4 = 2, 2·3 − 2 = 4
        assertEquals((0.125 + 2 + 4) / 3, value(new Huber(2.0), yTrue, yPred), 1e-12);
        assertEquals("huber_loss", new Huber().name());
    }

    @Test
    void hingeConvertsZeroOneLabelsAsKeras() {
        var yPred = t(new double[] {0.6, 0.4, 0.4, 0.6}, 2, 2);
        // labels 0/1 → −1/1: 1 − y·p = [1.6, 0.6], [1.4, 1.6] → per sample 1.1 and 1.5; Keras's example gives 1.3
        assertEquals(1.3, value(new Hinge(), t(new double[] {0, 1, 0, 0}, 2, 2), yPred), 1e-12);
        assertEquals(1.3, value(new Hinge(), t(new double[] {-1, 1, -1, -1}, 2, 2), yPred), 1e-12);
        // max(1 − y·p, 0) is 0 for a confident correct prediction
        assertEquals(0.0, value(new Hinge(), t(new double[] {1}, 1), t(new double[] {2}, 1, 1)), 0);
    }
}
