package dev.kiln.losses;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks, in float64, of each loss's gradient with respect to the predictions. Prediction values
 * are kept away from the kinks (the clip bounds, |e| = δ, e = 0, 1 − y·p = 0), where a loss has no derivative.
 */
class LossGradientTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    private static Tensor leaf(double[] values, long... shape) { return Tensor.of(values, shape).requiringGrad(); }

    private static void check(Loss loss, Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        GradientCheck.check(in -> loss.apply(yTrue, in.get(0), sampleWeight), yPred);
    }

    private static final Tensor WEIGHTS = t(new double[] {1.0, 2.0, 0.5}, 3);

    @Test
    void binaryCrossentropy() {
        var yTrue = t(new double[] {0, 1, 1, 0, 1, 0}, 3, 2);
        var probabilities = leaf(new double[] {0.2, 0.7, 0.9, 0.4, 0.35, 0.15}, 3, 2);
        check(new BinaryCrossentropy(), yTrue, probabilities, null);
        check(new BinaryCrossentropy(false, 0.1), yTrue, probabilities, WEIGHTS);
        var logits = leaf(new double[] {-1.5, 0.3, 2.0, -0.2, 0.8, -3.0}, 3, 2);
        check(new BinaryCrossentropy(true), yTrue, logits, WEIGHTS);
        check(new BinaryCrossentropy(true, 0.2).withReduction(Reduction.SUM), yTrue, logits, null);
    }

    @Test
    void categoricalCrossentropy() {
        var yTrue = t(new double[] {0, 1, 0, 0, 0, 1, 1, 0, 0}, 3, 3);
        var probabilities = leaf(new double[] {0.2, 0.5, 0.3, 0.1, 0.6, 0.3, 0.7, 0.2, 0.1}, 3, 3);
        check(new CategoricalCrossentropy(), yTrue, probabilities, null);
        check(new CategoricalCrossentropy(false, 0.2), yTrue, probabilities, WEIGHTS);
        var logits = leaf(new double[] {1.0, -0.5, 0.3, 2.0, 0.1, -1.0, 0.4, 0.4, -0.7}, 3, 3);
        check(new CategoricalCrossentropy(true), yTrue, logits, WEIGHTS);
        check(new CategoricalCrossentropy(true, 0.1).withReduction(Reduction.MEAN_WITH_SAMPLE_WEIGHT), yTrue, logits, WEIGHTS);
    }

    @Test
    void sparseCategoricalCrossentropy() {
        var labels = Tensor.of(new int[] {1, 2, 0}, 3);
        var probabilities = leaf(new double[] {0.2, 0.5, 0.3, 0.1, 0.6, 0.3, 0.7, 0.2, 0.1}, 3, 3);
        check(new SparseCategoricalCrossentropy(), labels, probabilities, WEIGHTS);
        var logits = leaf(new double[] {1.0, -0.5, 0.3, 2.0, 0.1, -1.0, 0.4, 0.4, -0.7}, 3, 3);
        check(new SparseCategoricalCrossentropy(true), labels, logits, null);
        check(new SparseCategoricalCrossentropy(true), Tensor.of(new int[] {1, 0, 2}, 1, 3), logits.reshape(1, 3, 3), null);
    }

    @Test
    void regressionLosses() {
        var yTrue = t(new double[] {0.5, -1.0, 2.0, 0.0, 1.0, -0.3}, 3, 2);
        var yPred = leaf(new double[] {0.1, 0.7, 2.6, -2.5, 1.2, 0.9}, 3, 2);    // errors −0.4, 1.7, 0.6, −2.5, 0.2, 1.2
        check(new MeanSquaredError(), yTrue, yPred, WEIGHTS);
        check(new MeanAbsoluteError(), yTrue, yPred, WEIGHTS);
        check(new Huber(), yTrue, yPred, WEIGHTS);
        check(new Huber(0.5).withReduction(Reduction.SUM), yTrue, yPred, null);
    }

    @Test
    void hinge() {
        var yPred = leaf(new double[] {0.3, -0.6, 1.4, -0.2, 0.8, 2.5}, 3, 2);     // 1 − y·p never 0
        check(new Hinge(), t(new double[] {1, 0, 1, 1, 0, 1}, 3, 2), yPred, WEIGHTS);
        check(new Hinge(), t(new double[] {1, -1, -1, 1, 1, -1}, 3, 2), yPred, null);
    }
}
