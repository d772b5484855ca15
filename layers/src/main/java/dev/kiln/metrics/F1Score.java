package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * The F1 score of binary predictions, the harmonic mean of precision and recall, computed as Keras's
 * {@code F1Score}: P = TP / (TP + FP + ε), R = TP / (TP + FN + ε), F1 = 2·P·R / (P + R + ε) with ε = 1e-7.
 *
 * <p>A prediction counts as positive when p > threshold (default 0.5; Keras's default None would take the argmax of
 * each row, which is meaningless for one output column). Counts are weighted by the label itself, as Keras, so soft
 * labels count fractionally. With several output columns every element is one decision (Keras's
 * {@code average="micro"}); for per-class scores use {@link ClassificationReport}.
 */
public final class F1Score extends Metric {

    private static final double EPSILON = 1e-7;

    private final double threshold;
    private double truePositives;
    private double falsePositives;
    private double falseNegatives;

    public F1Score() { this(0.5); }

    public F1Score(double threshold) {
        super("f1_score");
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1]. Received: threshold=" + threshold);
        }
        this.threshold = threshold;
    }

    public double threshold() { return threshold; }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        var batch = Host.pair(displayName(), yTrue, yPred);
        double[] labels = batch.labels();
        double[] predictions = batch.predictions();
        double[] weights = Host.elementWeights(displayName(), sampleWeight, predictions.length, batch.batch());
        for (int i = 0; i < predictions.length; i++) {
            double w = weights == null ? 1 : weights[i];
            double predicted = predictions[i] > threshold ? 1 : 0;
            truePositives += w * predicted * labels[i];
            falsePositives += w * predicted * (1 - labels[i]);
            falseNegatives += w * (1 - predicted) * labels[i];
        }
    }

    @Override
    public double result() {
        double precision = truePositives / (truePositives + falsePositives + EPSILON);
        double recall = truePositives / (truePositives + falseNegatives + EPSILON);
        return 2 * precision * recall / (precision + recall + EPSILON);
    }

    @Override
    public void reset() {
        truePositives = 0;
        falsePositives = 0;
        falseNegatives = 0;
    }
}
