package dev.kiln.metrics;

/**
 * Recall, TP / (TP + FN): of the positive labels, the fraction predicted positive; as Keras's {@code Recall}. A
 * prediction is positive when it exceeds the threshold (default 0.5), a label when it is not 0; 0 until a positive
 * label is seen.
 *
 * <p>Shapes: yPred [B, 1] (any shape: each element is one decision); yTrue the same or [B].
 */
public final class Recall extends ConfusionCounts {

    public Recall() { this(0.5); }

    public Recall(double threshold) { super("recall", threshold); }

    @Override
    public double result() { return Host.divideNoNan(truePositives(), truePositives() + falseNegatives()); }
}
