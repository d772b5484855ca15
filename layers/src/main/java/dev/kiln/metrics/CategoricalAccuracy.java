package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * How often the predicted class (argmax of yPred) is the labelled class (argmax of the one-hot yTrue), as Keras's
 * {@code CategoricalAccuracy}. Shapes: yPred [B, K]; yTrue [B, K].
 */
public final class CategoricalAccuracy extends MeanMetricWrapper {

    public CategoricalAccuracy() { super("categorical_accuracy"); }

    @Override
    protected double[] values(Tensor yTrue, Tensor yPred) {
        int classes = (int) yPred.shape().last();
        int[] labelled = Host.argmaxRows(Host.oneHotLabels(displayName(), yTrue, yPred), classes);
        int[] predicted = Host.argmaxRows(yPred.toDoubleArray(), classes);
        double[] matches = new double[predicted.length];
        for (int i = 0; i < matches.length; i++) matches[i] = labelled[i] == predicted[i] ? 1 : 0;
        return matches;
    }
}
