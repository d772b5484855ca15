package dev.kiln.metrics;

/**
 * The weighted count of false negatives (positive label, prediction at or below the threshold),
 * as Keras's {@code FalseNegatives}. The threshold defaults to 0.5; a label is positive when it is not 0.
 *
 * <p>Shapes: yPred [B, 1] (any shape: each element is one decision); yTrue the same or [B].
 */
public final class FalseNegatives extends ConfusionCounts {

    public FalseNegatives() { this(0.5); }

    public FalseNegatives(double threshold) { super("false_negatives", threshold); }

    @Override
    public double result() { return falseNegatives(); }
}
