package dev.kiln.metrics;

import dev.kiln.core.Tensor;
import java.util.function.BiFunction;

/**
 * The weighted mean of a per-sample value over every sample seen, as Keras's {@code MeanMetricWrapper}: the
 * accuracies are such means, and so is a loss used as a metric.
 *
 * <p>Per batch, the values v have one entry per sample ([B]) or several ([B, T]); Keras's rules then give
 * total += Σ_b mean_t(v·w) and count += Σ_b mean_t(w) with w broadcast per sample (w = 1 without weights; a scalar
 * weight w adds w·mean(v) and w). The result is total / count.
 */
public class MeanMetricWrapper extends Metric {

    private final BiFunction<Tensor, Tensor, Tensor> fn;
    private double total;
    private double count;

    /** The mean of {@code fn(yTrue, yPred)}, a tensor whose first axis is the batch (computed without gradients). */
    public MeanMetricWrapper(String name, BiFunction<Tensor, Tensor, Tensor> fn) {
        super(name);
        this.fn = fn;
    }

    /** For subclasses that compute their values on the host by overriding {@link #values}. */
    protected MeanMetricWrapper(String name) { this(name, null); }

    /** The batch's values, batch-major: one per sample, or the same number (per step) for every sample. */
    protected double[] values(Tensor yTrue, Tensor yPred) {
        try (var ignored = Tensor.noGrad()) {
            return fn.apply(yTrue, yPred).toDoubleArray();
        }
    }

    @Override
    public final void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        double[] v = values(yTrue, yPred);
        int batch = (int) yPred.size(0);
        int per = v.length / batch;
        if (sampleWeight != null && sampleWeight.rank() == 0) {
            double w = sampleWeight.item();
            total += w * sum(v, 0, v.length) / v.length;
            count += w;
            return;
        }
        double[] w = sampleWeight == null ? null : sampleWeight.toDoubleArray();
        if (w == null || w.length == batch) {
            for (int b = 0; b < batch; b++) {
                double weight = w == null ? 1 : w[b];
                total += weight * sum(v, b * per, per) / per;
                count += weight;
            }
        } else if (w.length == v.length) {
            for (int b = 0; b < batch; b++) {
                double weighted = 0;
                double weights = 0;
                for (int i = b * per; i < (b + 1) * per; i++) {
                    weighted += v[i] * w[i];
                    weights += w[i];
                }
                total += weighted / per;
                count += weights / per;
            }
        } else {
            throw new IllegalArgumentException(displayName() + " '" + name() + "': sample weights of shape " + sampleWeight.shape()
                    + " do not fit a batch of " + batch + " samples. Expected a scalar, [" + batch + "] or [" + batch + ", 1]"
                    + (per > 1 ? ", or " + per + " weights per sample (one per step)" : ""));
        }
    }

    private static double sum(double[] v, int from, int length) {
        double s = 0;
        for (int i = from; i < from + length; i++) s += v[i];
        return s;
    }

    @Override
    public double result() { return Host.divideNoNan(total, count); }

    @Override
    public void reset() {
        total = 0;
        count = 0;
    }
}
