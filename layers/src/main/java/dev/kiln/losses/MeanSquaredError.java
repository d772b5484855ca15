package dev.kiln.losses;

import dev.kiln.core.NN;
import dev.kiln.core.Tensor;

/**
 * Mean squared error, as Keras's {@code MeanSquaredError}: per sample, mean((y − p)²) over the last axis.
 *
 * <p>Shapes: yPred [B, D] (or [B]); yTrue the same (or [B] for [B, 1]); per-sample loss [B].
 */
public final class MeanSquaredError extends Loss {

    /** All constructor arguments. */
    public record Config(Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(reduction, name); }

        @Override
        public MeanSquaredError create() { return new MeanSquaredError(this); }
    }

    private final Config config;

    public MeanSquaredError() { this(new Config(Reduction.SUM_OVER_BATCH_SIZE, "mean_squared_error")); }

    public MeanSquaredError(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        var aligned = alignSameShape(yTrue, yPred);
        return meanOverLastAxis(NN.squaredError(aligned.yPred(), aligned.yTrue()));
    }

    @Override
    public Config config() { return config; }
}
