package dev.kiln.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * AUC against areas derived by hand with Keras's algorithm: predictions dropped into buckets
 * max(⌈p·(N − 1)⌉ − 1, 0), counts at threshold i summed over buckets ≥ i, then a Riemann sum.
 */
class AUCTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    private static final Tensor LABELS = t(new double[] {0, 0, 1, 1}, 4);
    private static final Tensor PREDICTIONS = t(new double[] {0, 0.5, 0.3, 0.9}, 4);

    /**
     * Keras's documented example, N = 3: thresholds [−1e-7, 0.5, 1 + 1e-7]. Buckets: 0 → 0, 0.5 → ⌈1.0⌉ − 1 = 0,
     * 0.3 → ⌈0.6⌉ − 1 = 0, 0.9 → ⌈1.8⌉ − 1 = 1. Positives per bucket [1, 1, 0], negatives [2, 0, 0], so
     * TP = [2, 1, 0], FP = [2, 0, 0], FN = [0, 1, 2], TN = [0, 2, 2]; TPR = [1, 0.5, 0], FPR = [1, 0, 0].
     */
    private static AUC threeThresholds(AUC.Curve curve, AUC.SummationMethod method) {
        var auc = new AUC(3, curve, method, false);
        auc.update(LABELS, PREDICTIONS);
        return auc;
    }

    @Test
    void rocAsKerasDocumentedExample() {
        // (1 − 0)·(1 + 0.5)/2 + (0 − 0)·(0.5 + 0)/2 = 0.75
        assertEquals(0.75, threeThresholds(AUC.Curve.ROC, AUC.SummationMethod.INTERPOLATION).result(), 1e-12);
        // minoring: 1·min(1, 0.5) = 0.5; majoring: 1·max(1, 0.5) = 1
        assertEquals(0.5, threeThresholds(AUC.Curve.ROC, AUC.SummationMethod.MINORING).result(), 1e-12);
        assertEquals(1.0, threeThresholds(AUC.Curve.ROC, AUC.SummationMethod.MAJORING).result(), 1e-12);
    }

    @Test
    void sampleWeightsAsKerasDocumentedExample() {
        // weights [1, 0, 0, 1]: positives [0, 1, 0], negatives [1, 0, 0] → TPR [1, 1, 0], FPR [1, 0, 0] → 1·(1 + 1)/2 = 1
        var auc = new AUC(3, AUC.Curve.ROC, AUC.SummationMethod.INTERPOLATION, false);
        auc.update(LABELS, PREDICTIONS, t(new double[] {1, 0, 0, 1}, 4));
        assertEquals(1.0, auc.result(), 1e-12);
    }

    @Test
    void precisionRecallInterpolatedAsDavisAndGoadrich() {
        // P = TP + FP = [4, 1, 0]. Interval 0: ΔTP = 1, ΔP = 3, slope 1/3, intercept = 1 − 1/3 = 2/3,
        // area = slope·(ΔTP + intercept·ln(4/1)) / (TP₁ + FN₁) = (1/3)(1 + (2/3)·ln 4) / 2.
        // Interval 1: ΔTP = 1, ΔP = 1, slope 1, intercept 0, P₂ = 0 so the ratio is 1: area = 1·(1 + 0) / (0 + 2) = 0.5.
        double expected = (1 + 2.0 / 3 * Math.log(4)) / 6 + 0.5;
        assertEquals(expected, threeThresholds(AUC.Curve.PR, AUC.SummationMethod.INTERPOLATION).result(), 1e-12);
        // recall [1, 0.5, 0], precision [0.5, 1, 0]: minoring 0.5·0.5 + 0.5·0 = 0.25, majoring 0.5·1 + 0.5·1 = 1
        assertEquals(0.25, threeThresholds(AUC.Curve.PR, AUC.SummationMethod.MINORING).result(), 1e-12);
        assertEquals(1.0, threeThresholds(AUC.Curve.PR, AUC.SummationMethod.MAJORING).result(), 1e-12);
    }

    @Test
    void twoHundredThresholdsAcrossBatchesAndFromLogits() {
        // labels 0, 0, 1, 1 with scores 0.1, 0.4, 0.35, 0.8: buckets 19, 79, 69, 159 are distinct, so the trapezoids trace
        // the exact ROC curve, whose area is the fraction of (positive, negative) pairs ranked right: 3/4
        double[] scores = {0.1, 0.4, 0.35, 0.8};
        var auc = new AUC();
        auc.update(t(new double[] {0, 0}, 2, 1), t(new double[] {scores[0], scores[1]}, 2, 1));
        auc.update(t(new double[] {1, 1}, 2, 1), t(new double[] {scores[2], scores[3]}, 2, 1));
        assertEquals(0.75, auc.result(), 1e-12);
        double[] logits = new double[4];
        for (int i = 0; i < 4; i++) logits[i] = Math.log(scores[i] / (1 - scores[i]));
        var fromLogits = new AUC(200, AUC.Curve.ROC, AUC.SummationMethod.INTERPOLATION, true);
        fromLogits.update(t(new double[] {0, 0, 1, 1}, 4), t(logits, 4, 1));
        assertEquals(0.75, fromLogits.result(), 1e-12);
        auc.reset();
        assertEquals(0.0, auc.result());
    }

    @Test
    void rocMatchesTheWeightedPairCountWhenEveryPredictionHasItsOwnBucket() {
        // 60 distinct scores 0.01 apart fall in distinct buckets (width 1/199), so the interpolated ROC area equals the
        // exact one: Σ over (positive i, negative j) of wᵢ·wⱼ·[pᵢ > pⱼ] / Σ wᵢ·wⱼ. Fed in batches of 16 with weights.
        int n = 60;
        float[] p = new float[n];
        double[] y = new double[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) (((i * 37) % 101) / 100.0);
            y[i] = (i * 7) % 3 == 0 || p[i] > 0.8 ? 1 : 0;
            w[i] = 1 + (i % 4) * 0.5;
        }
        double ranked = 0;
        double pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (y[i] == 1 && y[j] == 0) {
                    pairs += w[i] * w[j];
                    if (p[i] > p[j]) ranked += w[i] * w[j];
                }
            }
        }
        var auc = new AUC();
        for (int start = 0; start < n; start += 16) {
            int end = Math.min(n, start + 16);
            auc.update(t(Arrays.copyOfRange(y, start, end), end - start), Tensor.of(Arrays.copyOfRange(p, start, end), end - start, 1),
                    t(Arrays.copyOfRange(w, start, end), end - start));
        }
        assertEquals(ranked / pairs, auc.result(), 1e-12);
    }

    @Test
    void thresholdsAndErrors() {
        assertArrayEquals(new double[] {-1e-7, 0.25, 0.5, 0.75, 1 + 1e-7},
                new AUC(5, AUC.Curve.ROC, AUC.SummationMethod.INTERPOLATION, false).thresholds(), 1e-15);
        assertEquals(200, new AUC().numThresholds());
        assertEquals("auc", new AUC().name());
        var e = assertThrows(IllegalArgumentException.class, () -> new AUC(1, AUC.Curve.ROC, AUC.SummationMethod.INTERPOLATION, false));
        assertEquals("numThresholds must be an integer > 1. Received: numThresholds=1", e.getMessage());
    }
}
