package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * How often a thresholded prediction equals its label, as Keras's {@code BinaryAccuracy}: a prediction p counts as
 * 1 when p > threshold (default 0.5), else 0, and matches when it equals the label exactly.
 *
 * <p>Shapes: yPred [B, 1] (or [B, K] for K independent outputs, averaged per sample); yTrue the same or [B].
 */
public final class BinaryAccuracy extends MeanMetricWrapper {

    private final double threshold;

    public BinaryAccuracy() { this(0.5); }

    public BinaryAccuracy(double threshold) {
        super("binary_accuracy");
        this.threshold = threshold;
    }

    public double threshold() { return threshold; }

    @Override
    protected double[] values(Tensor yTrue, Tensor yPred) {
        var batch = Host.pair(displayName(), yTrue, yPred);
        int width = (int) batch.shape().last();
        double[] perSample = new double[batch.predictions().length / width];
        for (int i = 0; i < batch.predictions().length; i++) {
            double predicted = batch.predictions()[i] > threshold ? 1 : 0;
            if (predicted == batch.labels()[i]) perSample[i / width]++;
        }
        for (int s = 0; s < perSample.length; s++) perSample[s] /= width;   // the mean over the last axis, as Keras
        return perSample;
    }
}
