package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * How often the class index in yTrue is among the k highest predictions, as Keras's
 * {@code SparseTopKCategoricalAccuracy} (k = 5 by default; ties as {@link TopKCategoricalAccuracy}).
 * Shapes: yPred [B, K]; yTrue [B] or [B, 1].
 */
public final class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {

    private final int k;

    public SparseTopKCategoricalAccuracy() { this(5); }

    public SparseTopKCategoricalAccuracy(int k) {
        super("sparse_top_k_categorical_accuracy");
        if (k <= 0) throw new IllegalArgumentException("k must be positive. Received: k=" + k);
        this.k = k;
    }

    public int k() { return k; }

    @Override
    protected double[] values(Tensor yTrue, Tensor yPred) {
        double[] labels = Host.classIndexLabels(displayName(), yTrue, yPred);
        int[] classes = new int[labels.length];
        for (int i = 0; i < labels.length; i++) classes[i] = labels[i] == Math.rint(labels[i]) ? (int) labels[i] : -1;
        return TopKCategoricalAccuracy.inTopK(classes, yPred.toDoubleArray(), (int) yPred.shape().last(), k);
    }
}
