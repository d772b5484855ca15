package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * How often the predicted class (argmax of yPred) equals the class index in yTrue, as Keras's
 * {@code SparseCategoricalAccuracy}. Shapes: yPred [B, K]; yTrue [B] or [B, 1] (integer or float indices).
 */
public final class SparseCategoricalAccuracy extends MeanMetricWrapper {

    public SparseCategoricalAccuracy() { super("sparse_categorical_accuracy"); }

    @Override
    protected double[] values(Tensor yTrue, Tensor yPred) {
        double[] labels = Host.classIndexLabels(displayName(), yTrue, yPred);
        int[] predicted = Host.argmaxRows(yPred.toDoubleArray(), (int) yPred.shape().last());
        double[] matches = new double[predicted.length];
        for (int i = 0; i < matches.length; i++) matches[i] = labels[i] == predicted[i] ? 1 : 0;
        return matches;
    }
}
