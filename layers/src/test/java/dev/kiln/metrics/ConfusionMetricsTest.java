package dev.kiln.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Precision, recall, F1 and the confusion counts across batches, with weights, against counts done by hand. */
class ConfusionMetricsTest {

    private static Tensor t(double[] values, long... shape) { return Tensor.of(values, shape); }

    // Batch 1: p > 0.5 → 1, 1, 0, 1, 0 against labels 1, 0, 1, 1, 0: TP at 0 and 3, FP at 1, FN at 2, TN at 4.
    private static final Tensor LABELS_1 = t(new double[] {1, 0, 1, 1, 0}, 5);
    private static final Tensor PREDICTIONS_1 = t(new double[] {0.9, 0.8, 0.3, 0.6, 0.2}, 5, 1);
    // Batch 2: 0.7 for a label 0 is a false positive; 0.5 is not above the threshold, so the label 1 is a false negative.
    private static final Tensor LABELS_2 = t(new double[] {0, 1}, 2, 1);
    private static final Tensor PREDICTIONS_2 = t(new double[] {0.7, 0.5}, 2, 1);
    private static final Tensor WEIGHTS_2 = t(new double[] {2, 3}, 2);

    private static double run(Metric metric, boolean weighted) {
        metric.update(LABELS_1, PREDICTIONS_1);
        metric.update(LABELS_2, PREDICTIONS_2, weighted ? WEIGHTS_2 : null);
        return metric.result();
    }

    @Test
    void countsAcrossBatches() {
        // unweighted: TP 2, FP 1 + 1, TN 1, FN 1 + 1; weighted: the second batch's FP counts 2 and its FN 3
        assertEquals(2.0, run(new TruePositives(), false));
        assertEquals(2.0, run(new FalsePositives(), false));
        assertEquals(1.0, run(new TrueNegatives(), false));
        assertEquals(2.0, run(new FalseNegatives(), false));
        assertEquals(3.0, run(new FalsePositives(), true));
        assertEquals(4.0, run(new FalseNegatives(), true));
        assertEquals(2 / 4.0, run(new Precision(), false), 1e-12);
        assertEquals(2 / 4.0, run(new Recall(), false), 1e-12);
        assertEquals(2 / 5.0, run(new Precision(), true), 1e-12);
        assertEquals(2 / 6.0, run(new Recall(), true), 1e-12);
        // threshold 0.25: batch 1 → 1, 1, 1, 1, 0 (TP 3, FP 1, TN 1); batch 2 → FP 1, TP 1
        assertEquals(4 / 6.0, run(new Precision(0.25), false), 1e-12);
        assertEquals(4 / 4.0, run(new Recall(0.25), false), 1e-12);
    }

    @Test
    void kerasDocumentationExamples() {
        var precision = new Precision();
        precision.update(t(new double[] {0, 1, 1, 1}, 4), t(new double[] {1, 0, 1, 1}, 4));
        assertEquals(2 / 3.0, precision.result(), 1e-12);
        precision.reset();
        precision.update(t(new double[] {0, 1, 1, 1}, 4), t(new double[] {1, 0, 1, 1}, 4), t(new double[] {0, 0, 1, 0}, 4));
        assertEquals(1.0, precision.result(), 1e-12);
        var recall = new Recall();
        recall.update(t(new double[] {0, 1, 1, 1}, 4), t(new double[] {1, 0, 1, 1}, 4));
        assertEquals(2 / 3.0, recall.result(), 1e-12);
    }

    @Test
    void resetAndEmptyGiveZero() {
        for (Metric metric : List.of(new Precision(), new Recall(), new TruePositives(), new F1Score())) {
            assertEquals(0.0, metric.result(), metric.name());
            run(metric, true);
            metric.reset();
            assertEquals(0.0, metric.result(), metric.name());
        }
    }

    @Test
    void f1ScoreAsKerasFormula() {
        var f1 = new F1Score();
        run(f1, false);
        double epsilon = 1e-7;
        double precision = 2 / (2 + 2 + epsilon);
        double recall = 2 / (2 + 2 + epsilon);
        assertEquals(2 * precision * recall / (precision + recall + epsilon), f1.result(), 1e-15);
        assertEquals(0.5, f1.result(), 1e-6);
        f1.reset();
        run(f1, true);                                      // TP 2, FP 3, FN 4: F1 = 2·TP / (2·TP + FP + FN) = 4/11
        assertEquals(4 / 11.0, f1.result(), 1e-6);
        f1.reset();
        f1.update(t(new double[] {0.5, 1}, 2), t(new double[] {0.9, 0.2}, 2, 1));   // a soft label counts half: TP 0.5, FP 0.5, FN 1
        assertEquals(2 * 0.5 / (2 * 0.5 + 0.5 + 1), f1.result(), 1e-6);
    }

    @Test
    void everyElementOfSeveralColumnsIsOneDecisionAndTakesItsSampleWeight() {
        var yTrue = t(new double[] {1, 0, 1, 1}, 2, 2);
        var yPred = t(new double[] {0.8, 0.6, 0.4, 0.9}, 2, 2);    // TP, FP, FN, TP
        var tp = new TruePositives();
        tp.update(yTrue, yPred, t(new double[] {2, 5}, 2, 1));
        assertEquals(2 + 5.0, tp.result());
        var fn = new FalseNegatives();
        fn.update(yTrue, yPred, t(new double[] {1, 1, 7, 1}, 2, 2));
        assertEquals(7.0, fn.result());
    }

    @Test
    void clearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Precision(1.5));
        assertEquals("Threshold values must be in [0, 1]. Received: threshold=1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Recall().update(t(new double[] {1, 0, 1}, 3), PREDICTIONS_2));
        assertEquals("Recall: labels and predictions must have the same batch size. Received yTrue [3] and yPred [2, 1]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Precision().update(t(new double[4], 2, 2), PREDICTIONS_2));
        assertEquals("Precision expects labels of the predictions' shape [2, 1]. Received labels [2, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Precision().update(LABELS_2, PREDICTIONS_2, t(new double[3], 3)));
        assertEquals("Precision: sample weights of shape [3] do not fit a batch of 2 samples with 2 predictions. Expected a scalar, [2], "
                + "[2, 1] or one weight per prediction", e.getMessage());
    }
}
