package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * How often the labelled class (argmax of the one-hot yTrue) is among the k highest predictions, as Keras's
 * {@code TopKCategoricalAccuracy} (k = 5 by default). Ties at the k-th place count as inside, as TensorFlow's
 * in_top_k: the class is in the top k when fewer than k classes score strictly higher.
 * Shapes: yPred [B, K]; yTrue [B, K].
 */
public final class TopKCategoricalAccuracy extends MeanMetricWrapper {

    private final int k;

    public TopKCategoricalAccuracy() { this(5); }

    public TopKCategoricalAccuracy(int k) {
        super("top_k_categorical_accuracy");
        if (k <= 0) throw new IllegalArgumentException("k must be positive. Received: k=" + k);
        this.k = k;
    }

    public int k() { return k; }

    @Override
    protected double[] values(Tensor yTrue, Tensor yPred) {
        int classes = (int) yPred.shape().last();
        int[] labelled = Host.argmaxRows(Host.oneHotLabels(displayName(), yTrue, yPred), classes);
        return inTopK(labelled, yPred.toDoubleArray(), classes, k);
    }

    /** 1 where the class {@code labels[row]} is among the k highest of its row of predictions, else 0. */
    static double[] inTopK(int[] labels, double[] predictions, int classes, int k) {
        double[] matches = new double[labels.length];
        for (int row = 0; row < labels.length; row++) {
            int label = labels[row];
            if (label < 0 || label >= classes) continue;
            double target = predictions[row * classes + label];
            int higher = 0;
            for (int c = 0; c < classes; c++) if (predictions[row * classes + c] > target) higher++;
            matches[row] = higher < k ? 1 : 0;
        }
        return matches;
    }
}
