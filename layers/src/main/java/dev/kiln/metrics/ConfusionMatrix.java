package dev.kiln.metrics;

import dev.kiln.core.Tensor;
import java.util.Arrays;

/**
 * Counts of (true class, predicted class) pairs for a classifier with n classes, as scikit-learn's
 * {@code confusion_matrix}: row i, column j counts the samples of class i predicted as class j.
 *
 * <p>From tensors: predictions with one column (or rank 1) are binary, class 1 where p > threshold (0.5 by
 * default); predictions [B, K] give the argmax class. Labels are class indices ([B] or [B, 1]) or one-hot rows of
 * the predictions' shape.
 */
public final class ConfusionMatrix {

    private final long[][] counts;
    private final String[] classNames;

    private ConfusionMatrix(long[][] counts, String[] classNames) {
        this.counts = counts;
        this.classNames = classNames;
    }

    /** From class indices in [0, numClasses). */
    public static ConfusionMatrix of(int[] yTrue, int[] yPred, int numClasses) {
        if (numClasses <= 0) throw new IllegalArgumentException("numClasses must be positive. Received: numClasses=" + numClasses);
        if (yTrue.length != yPred.length) {
            throw new IllegalArgumentException("ConfusionMatrix needs one prediction per label. Received " + yTrue.length + " labels and "
                    + yPred.length + " predictions");
        }
        long[][] counts = new long[numClasses][numClasses];
        for (int i = 0; i < yTrue.length; i++) {
            counts[checkClass("label", yTrue[i], numClasses)][checkClass("prediction", yPred[i], numClasses)]++;
        }
        String[] names = new String[numClasses];
        for (int c = 0; c < numClasses; c++) names[c] = Integer.toString(c);
        return new ConfusionMatrix(counts, names);
    }

    /** From a classifier's labels and outputs: binary at threshold 0.5 for one output column, else argmax. */
    public static ConfusionMatrix of(Tensor yTrue, Tensor yPred) { return of(yTrue, yPred, 0.5); }

    /** As {@link #of(Tensor, Tensor)}, with the threshold binary predictions are cut at. */
    public static ConfusionMatrix of(Tensor yTrue, Tensor yPred, double threshold) {
        Host.checkBatch("ConfusionMatrix", yTrue, yPred);
        boolean binary = yPred.rank() == 1 || yPred.shape().last() == 1;
        int classes = binary ? 2 : (int) yPred.shape().last();
        return of(labelClasses(yTrue, yPred, binary), predictedClasses(yPred, binary, threshold), classes);
    }

    private static int[] predictedClasses(Tensor yPred, boolean binary, double threshold) {
        double[] p = yPred.toDoubleArray();
        if (!binary) return Host.argmaxRows(p, (int) yPred.shape().last());
        int[] classes = new int[p.length];
        for (int i = 0; i < p.length; i++) classes[i] = p[i] > threshold ? 1 : 0;
        return classes;
    }

    private static int[] labelClasses(Tensor yTrue, Tensor yPred, boolean binary) {
        if (!binary && yTrue.shape().equals(yPred.shape())) return Host.argmaxRows(yTrue.toDoubleArray(), (int) yPred.shape().last());
        double[] labels = binary ? Host.pair("ConfusionMatrix", yTrue, yPred).labels()
                : Host.classIndexLabels("ConfusionMatrix", yTrue, yPred);
        int[] classes = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != Math.rint(labels[i])) {
                throw new IllegalArgumentException("ConfusionMatrix expects integer class labels. Received a label " + labels[i]);
            }
            classes[i] = (int) labels[i];
        }
        return classes;
    }

    private static int checkClass(String what, int c, int numClasses) {
        if (c < 0 || c >= numClasses) {
            throw new IllegalArgumentException("ConfusionMatrix expects classes in [0, " + numClasses + "). Received a " + what + " " + c);
        }
        return c;
    }

    /** The same counts with names for the classes, in class order, used by {@link #toString()} and the report. */
    public ConfusionMatrix withClassNames(String... names) {
        if (names.length != numClasses()) {
            throw new IllegalArgumentException("Expected " + numClasses() + " class names. Received " + names.length + ": "
                    + Arrays.toString(names));
        }
        return new ConfusionMatrix(counts, names.clone());
    }

    public int numClasses() { return counts.length; }

    public String className(int c) { return classNames[c]; }

    /** The number of samples of class {@code trueClass} predicted as {@code predictedClass}. */
    public long count(int trueClass, int predictedClass) { return counts[trueClass][predictedClass]; }

    /** A copy of the counts: rows are true classes, columns predicted classes. */
    public long[][] counts() {
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) copy[i] = counts[i].clone();
        return copy;
    }

    public long total() {
        long total = 0;
        for (long[] row : counts) for (long c : row) total += c;
        return total;
    }

    /** The fraction of samples on the diagonal; 0 for no samples. */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < counts.length; c++) correct += counts[c][c];
        return Host.divideNoNan(correct, total());
    }

    /** Per-class precision, recall, F1 and support, as scikit-learn's classification_report. */
    public ClassificationReport report() { return ClassificationReport.of(this); }

    /**
     * The counts as a table, true classes down and predicted classes across:
     * <pre>
     *         predicted
     * true     0   1
     *    0     5   1
     *    1     2   7
     * </pre>
     */
    @Override
    public String toString() {
        int width = 1;
        for (String name : classNames) width = Math.max(width, name.length());
        for (long[] row : counts) for (long c : row) width = Math.max(width, Long.toString(c).length());
        int labelWidth = Math.max("true".length(), width);
        var out = new StringBuilder();
        out.append(" ".repeat(labelWidth)).append("  predicted\n");
        out.append(String.format("%-" + labelWidth + "s", "true"));
        for (String name : classNames) out.append(String.format("  %" + width + "s", name));
        out.append('\n');
        for (int i = 0; i < counts.length; i++) {
            out.append(String.format("%" + labelWidth + "s", classNames[i]));
            for (long c : counts[i]) out.append(String.format("  %" + width + "d", c));
            out.append('\n');
        }
        return out.toString();
    }
}
