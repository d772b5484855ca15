package dev.kiln.losses;

import dev.kiln.core.Tensor;

/**
 * Mean absolute error, as Keras's {@code MeanAbsoluteError}: per sample, mean(|y − p|) over the last axis.
 *
 * <p>Shapes: yPred [B, D] (or [B]); yTrue the same (or [B] for [B, 1]); per-sample loss [B].
 */
public final class MeanAbsoluteError extends Loss {

    /** All constructor arguments. */
    public record Config(Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(reduction, name); }

        @Override
        public MeanAbsoluteError create() { return new MeanAbsoluteError(this); }
    }

    private final Config config;

    public MeanAbsoluteError() { this(new Config(Reduction.SUM_OVER_BATCH_SIZE, "mean_absolute_error")); }

    public MeanAbsoluteError(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        var aligned = alignSameShape(yTrue, yPred);
        Tensor p = aligned.yPred();
        return meanOverLastAxis(p.sub(aligned.yTrue().cast(p.dtype())).abs());
    }

    @Override
    public Config config() { return config; }
}
