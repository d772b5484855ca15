package dev.kiln.metrics;

/**
 * The weighted count of true negatives (label 0, prediction at or below the threshold),
 * as Keras's {@code TrueNegatives}. The threshold defaults to 0.5; a label is positive when it is not 0.
 *
 * <p>Shapes: yPred [B, 1] (any shape: each element is one decision); yTrue the same or [B].
 */
public final class TrueNegatives extends ConfusionCounts {

    public TrueNegatives() { this(0.5); }

    public TrueNegatives(double threshold) { super("true_negatives", threshold); }

    @Override
    public double result() { return trueNegatives(); }
}
