package dev.kiln.metrics;

/**
 * The weighted count of false positives (label 0, prediction above the threshold),
 * as Keras's {@code FalsePositives}. The threshold defaults to 0.5; a label is positive when it is not 0.
 *
 * <p>Shapes: yPred [B, 1] (any shape: each element is one decision); yTrue the same or [B].
 */
public final class FalsePositives extends ConfusionCounts {

    public FalsePositives() { this(0.5); }

    public FalsePositives(double threshold) { super("false_positives", threshold); }

    @Override
    public double result() { return falsePositives(); }
}
