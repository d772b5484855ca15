package dev.kiln.metrics;

/**
 * The weighted count of true positives (positive label, prediction above the threshold),
 * as Keras's {@code TruePositives}. The threshold defaults to 0.5; a label is positive when it is not 0.
 *
 * <p>Shapes: yPred [B, 1] (any shape: each element is one decision); yTrue the same or [B].
 */
public final class TruePositives extends ConfusionCounts {

    public TruePositives() { this(0.5); }

    public TruePositives(double threshold) { super("true_positives", threshold); }

    @Override
    public double result() { return truePositives(); }
}
