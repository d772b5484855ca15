package dev.kiln.metrics;

import dev.kiln.core.Tensor;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Per-class precision, recall, F1 and support of a classifier, with accuracy and macro and weighted averages, as
 * scikit-learn's {@code classification_report}: for class c, precision = TP/(TP + FP), recall = TP/(TP + FN),
 * F1 = 2·TP/(2·TP + FP + FN) (each 0 where undefined), support = the number of samples of class c. The macro average
 * is the plain mean over classes, the weighted average weights each class by its support.
 */
public final class ClassificationReport {

    private final ConfusionMatrix matrix;
    private final double[] precision;
    private final double[] recall;
    private final double[] f1;
    private final long[] support;

    private ClassificationReport(ConfusionMatrix matrix) {
        this.matrix = matrix;
        int n = matrix.numClasses();
        precision = new double[n];
        recall = new double[n];
        f1 = new double[n];
        support = new long[n];
        for (int c = 0; c < n; c++) {
            long tp = matrix.count(c, c);
            long predicted = 0;
            for (int t = 0; t < n; t++) {
                predicted += matrix.count(t, c);
                support[c] += matrix.count(c, t);
            }
            long fp = predicted - tp;
            long fn = support[c] - tp;
            precision[c] = Host.divideNoNan(tp, tp + fp);
            recall[c] = Host.divideNoNan(tp, tp + fn);
            f1[c] = Host.divideNoNan(2.0 * tp, 2.0 * tp + fp + fn);
        }
    }

    public static ClassificationReport of(ConfusionMatrix matrix) { return new ClassificationReport(matrix); }

    /** From class indices in [0, numClasses). */
    public static ClassificationReport of(int[] yTrue, int[] yPred, int numClasses) {
        return of(ConfusionMatrix.of(yTrue, yPred, numClasses));
    }

    /** From a classifier's labels and outputs, as {@link ConfusionMatrix#of(Tensor, Tensor)}. */
    public static ClassificationReport of(Tensor yTrue, Tensor yPred) { return of(ConfusionMatrix.of(yTrue, yPred)); }

    public ConfusionMatrix confusionMatrix() { return matrix; }

    public int numClasses() { return support.length; }

    public double precision(int c) { return precision[c]; }

    public double recall(int c) { return recall[c]; }

    public double f1(int c) { return f1[c]; }

    public long support(int c) { return support[c]; }

    public double accuracy() { return matrix.accuracy(); }

    public double macroPrecision() { return mean(precision, null); }

    public double macroRecall() { return mean(recall, null); }

    public double macroF1() { return mean(f1, null); }

    public double weightedPrecision() { return mean(precision, support); }

    public double weightedRecall() { return mean(recall, support); }

    public double weightedF1() { return mean(f1, support); }

    private static double mean(double[] values, long[] weights) {
        double sum = 0;
        double total = 0;
        for (int c = 0; c < values.length; c++) {
            double w = weights == null ? 1 : weights[c];
            sum += w * values[c];
            total += w;
        }
        return Host.divideNoNan(sum, total);
    }

    /** The report with two decimals, laid out as scikit-learn prints it. */
    @Override
    public String toString() { return format(2); }

    /** The report with {@code digits} decimals, laid out as scikit-learn's classification_report. */
    public String format(int digits) {
        int width = Math.max("weighted avg".length(), digits);
        for (int c = 0; c < numClasses(); c++) width = Math.max(width, matrix.className(c).length());
        var out = new StringBuilder(line(width, "", "precision", "recall", "f1-score", "support")).append('\n');
        for (int c = 0; c < numClasses(); c++) {
            out.append(line(width, matrix.className(c), fixed(precision[c], digits), fixed(recall[c], digits), fixed(f1[c], digits),
                    Long.toString(support[c])));
        }
        String total = Long.toString(matrix.total());
        out.append('\n').append(line(width, "accuracy", "", "", fixed(accuracy(), digits), total));
        out.append(line(width, "macro avg", fixed(macroPrecision(), digits), fixed(macroRecall(), digits), fixed(macroF1(), digits), total));
        out.append(line(width, "weighted avg", fixed(weightedPrecision(), digits), fixed(weightedRecall(), digits),
                fixed(weightedF1(), digits), total));
        return out.toString();
    }

    /** scikit-learn's "{:>width} " + " {:>9}" per column. */
    private static String line(int width, String heading, String... columns) {
        var out = new StringBuilder(" ".repeat(width - heading.length())).append(heading).append(' ');
        for (String column : columns) out.append(' ').append(" ".repeat(Math.max(0, 9 - column.length()))).append(column);
        return out.append('\n').toString();
    }

    /** Rounds as Python's format does: the exact binary value, ties to even (0.125 → "0.12", where %.2f gives "0.13"). */
    private static String fixed(double value, int digits) {
        return new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }
}
