package dev.kiln.losses;

import dev.kiln.core.Tensor;

/**
 * Hinge loss, as Keras's {@code Hinge}: per sample, mean(max(1 − y·p, 0)) over the last axis.
 *
 * <p>Labels are −1 or 1; when every label of a batch is 0 or 1 they are converted to −1 or 1 (y' = 2y − 1), as
 * Keras does. Shapes as {@link BinaryCrossentropy}; labels in [−1, 1].
 */
public final class Hinge extends Loss {

    /** All constructor arguments. */
    public record Config(Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(reduction, name); }

        @Override
        public Hinge create() { return new Hinge(this); }
    }

    private final Config config;

    public Hinge() { this(new Config(Reduction.SUM_OVER_BATCH_SIZE, "hinge")); }

    public Hinge(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        var aligned = alignSameShape(yTrue, yPred);
        Tensor p = aligned.yPred();
        Tensor y = aligned.yTrue().cast(p.dtype());
        if (checkLabelsAndTellIfBinary(aligned.yTrue())) y = y.mul(2.0).sub(1.0);
        return meanOverLastAxis(y.mul(p).rsub(1.0).relu());
    }

    /** One host pass: every label in [−1, 1], and whether all are 0 or 1. */
    private boolean checkLabelsAndTellIfBinary(Tensor labels) {
        boolean binary = true;
        for (double v : labels.toDoubleArray()) {
            if (!(v >= -1 && v <= 1)) throw labelOutOfRange(v, -1, 1);
            binary &= v == 0 || v == 1;
        }
        return binary;
    }

    @Override
    public Config config() { return config; }
}
