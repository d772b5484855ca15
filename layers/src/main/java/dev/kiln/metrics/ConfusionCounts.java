package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * Weighted counts of true and false positives and negatives at one threshold, as Keras's confusion metrics: a
 * prediction p is positive when p > threshold, a label is positive when it is not 0. Every element of the
 * predictions is one binary decision (a [B, K] output gives B·K of them).
 */
abstract class ConfusionCounts extends Metric {

    private final double threshold;
    private double truePositives;
    private double falsePositives;
    private double trueNegatives;
    private double falseNegatives;

    ConfusionCounts(String name, double threshold) {
        super(name);
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("Threshold values must be in [0, 1]. Received: threshold=" + threshold);
        }
        this.threshold = threshold;
    }

    public double threshold() { return threshold; }

    @Override
    public final void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        var batch = Host.pair(displayName(), yTrue, yPred);
        double[] labels = batch.labels();
        double[] predictions = batch.predictions();
        double[] weights = Host.elementWeights(displayName(), sampleWeight, predictions.length, batch.batch());
        for (int i = 0; i < predictions.length; i++) {
            double w = weights == null ? 1 : weights[i];
            boolean positive = predictions[i] > threshold;
            if (labels[i] != 0) {
                if (positive) truePositives += w;
                else falseNegatives += w;
            } else {
                if (positive) falsePositives += w;
                else trueNegatives += w;
            }
        }
    }

    double truePositives() { return truePositives; }

    double falsePositives() { return falsePositives; }

    double trueNegatives() { return trueNegatives; }

    double falseNegatives() { return falseNegatives; }

    @Override
    public final void reset() {
        truePositives = 0;
        falsePositives = 0;
        trueNegatives = 0;
        falseNegatives = 0;
    }
}
