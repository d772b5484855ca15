package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * The weighted mean of values given one at a time, as Keras's {@code Mean}: Σ value·weight / Σ weight. The trainer
 * tracks the epoch's loss with one, weighting each batch's loss by its number of samples as Keras does.
 */
public final class Mean extends Metric {

    private double total;
    private double count;

    public Mean() { this("mean"); }

    public Mean(String name) { super(name); }

    public void update(double value, double weight) {
        total += value * weight;
        count += weight;
    }

    public void update(double value) { update(value, 1); }

    /** Not supported: a Mean averages values given to {@link #update(double, double)}, not labels and predictions. */
    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        throw new UnsupportedOperationException("Mean '" + name() + "' averages values: call update(value, weight). "
                + "For the mean of a function of labels and predictions use MeanMetricWrapper");
    }

    @Override
    public double result() { return Host.divideNoNan(total, count); }

    @Override
    public void reset() {
        total = 0;
        count = 0;
    }
}
