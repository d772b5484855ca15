package dev.kiln.metrics;

/**
 * Precision, TP / (TP + FP): of the predictions called positive, the fraction whose label is positive; as Keras's
 * {@code Precision}. A prediction is positive when it exceeds the threshold (default 0.5), a label when it is not 0;
 * 0 until something is predicted positive.
 *
 * <p>Shapes: yPred [B, 1] (any shape: each element is one decision); yTrue the same or [B].
 */
public final class Precision extends ConfusionCounts {

    public Precision() { this(0.5); }

    public Precision(double threshold) { super("precision", threshold); }

    @Override
    public double result() { return Host.divideNoNan(truePositives(), truePositives() + falsePositives()); }
}
