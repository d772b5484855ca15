package dev.kiln.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.Tensor;
import org.junit.jupiter.api.Test;

/** The confusion matrix and the classification report on small examples counted by hand. */
class ConfusionMatrixTest {

    private static final int[] Y_TRUE = {0, 1, 2, 2, 1, 0, 2};
    private static final int[] Y_PRED = {0, 2, 2, 1, 1, 0, 2};

    @Test
    void countsRowsTrueColumnsPredicted() {
        var matrix = ConfusionMatrix.of(Y_TRUE, Y_PRED, 3);
        assertArrayEquals(new long[][] {{2, 0, 0}, {0, 1, 1}, {0, 1, 2}}, matrix.counts());
        assertEquals(7, matrix.total());
        assertEquals(5 / 7.0, matrix.accuracy(), 1e-12);
        assertEquals("      predicted\n"
                + "true  0  1  2\n"
                + "   0  2  0  0\n"
                + "   1  0  1  1\n"
                + "   2  0  1  2\n", matrix.toString());
        // every column is as wide as the longest class name or count
        assertEquals("      predicted\n"
                + "true   cat   dog  bird\n"
                + " cat     2     0     0\n"
                + " dog     0     1     1\n"
                + "bird     0     1     2\n", matrix.withClassNames("cat", "dog", "bird").toString());
    }

    @Test
    void reportAsScikitLearn() {
        // class 0: TP 2, FP 0, FN 0; class 1: TP 1, FP 1, FN 1; class 2: TP 2, FP 1, FN 1.
        // macro precision (1 + 0.5 + 2/3)/3 = 0.7222; weighted (2·1 + 2·0.5 + 3·2/3)/7 = 5/7
        var report = ClassificationReport.of(Y_TRUE, Y_PRED, 3);
        assertEquals(0.5, report.precision(1), 1e-12);
        assertEquals(2 / 3.0, report.recall(2), 1e-12);
        assertEquals(2 / 3.0, report.f1(2), 1e-12);
        assertEquals(3, report.support(2));
        assertEquals((1 + 0.5 + 2 / 3.0) / 3, report.macroF1(), 1e-12);
        assertEquals(5 / 7.0, report.weightedPrecision(), 1e-12);
        assertEquals("              precision    recall  f1-score   support\n"
                + "\n"
                + "           0       1.00      1.00      1.00         2\n"
                + "           1       0.50      0.50      0.50         2\n"
                + "           2       0.67      0.67      0.67         3\n"
                + "\n"
                + "    accuracy                           0.71         7\n"
                + "   macro avg       0.72      0.72      0.72         7\n"
                + "weighted avg       0.71      0.71      0.71         7\n", report.toString());
    }

    @Test
    void undefinedRatiosAreZeroAndRoundingIsPythons() {
        // everything predicted as class 1: class 0 has no predictions (precision 0), class 1 precision 1/8 = 0.125,
        // which Python prints as 0.12 (ties to even), not 0.13
        var report = ClassificationReport.of(new int[] {1, 0, 0, 0, 0, 0, 0, 0}, new int[] {1, 1, 1, 1, 1, 1, 1, 1}, 2);
        assertEquals(0.0, report.precision(0));
        assertEquals(0.0, report.f1(0));
        assertEquals(2 / 9.0, report.f1(1), 1e-12);
        String[] lines = report.toString().split("\n");
        assertEquals("           0       0.00      0.00      0.00         7", lines[2]);
        assertEquals("           1       0.12      1.00      0.22         1", lines[3]);
        assertEquals("           1     0.1250    1.0000    0.2222         1", report.format(4).split("\n")[3]);
    }

    @Test
    void fromTensorsBinaryAndMultiClass() {
        var binary = ConfusionMatrix.of(Tensor.of(new double[] {1, 0, 1, 0}, 4), Tensor.of(new double[] {0.9, 0.6, 0.4, 0.5}, 4, 1));
        assertArrayEquals(new long[][] {{1, 1}, {1, 1}}, binary.counts());      // 0.5 is not above 0.5
        var atLowThreshold = ConfusionMatrix.of(Tensor.of(new double[] {1, 0, 1, 0}, 4), Tensor.of(new double[] {0.9, 0.6, 0.4, 0.5}, 4, 1), 0.3);
        assertArrayEquals(new long[][] {{0, 2}, {0, 2}}, atLowThreshold.counts());
        var probabilities = Tensor.of(new double[] {0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.4, 0.4, 0.2}, 3, 3);
        var sparse = ConfusionMatrix.of(Tensor.of(new int[] {2, 1, 0}, 3), probabilities);
        var oneHot = ConfusionMatrix.of(Tensor.of(new double[] {0, 0, 1, 0, 1, 0, 1, 0, 0}, 3, 3), probabilities);
        assertArrayEquals(new long[][] {{1, 0, 0}, {1, 0, 0}, {0, 0, 1}}, sparse.counts());
        assertArrayEquals(sparse.counts(), oneHot.counts());
        assertEquals(2 / 3.0, ClassificationReport.of(Tensor.of(new int[] {2, 1, 0}, 3, 1), probabilities).accuracy(), 1e-12);
    }

    @Test
    void clearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {0, 3}, new int[] {0, 1}, 3));
        assertEquals("ConfusionMatrix expects classes in [0, 3). Received a label 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {0, 1}, new int[] {0}, 3));
        assertEquals("ConfusionMatrix needs one prediction per label. Received 2 labels and 1 predictions", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(Tensor.of(new double[] {0, 2}, 2), Tensor.of(new double[] {0.1, 0.9}, 2, 1)));
        assertEquals("ConfusionMatrix expects classes in [0, 2). Received a label 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(Y_TRUE, Y_PRED, 3).withClassNames("a", "b"));
        assertEquals("Expected 3 class names. Received 2: [a, b]", e.getMessage());
    }
}
