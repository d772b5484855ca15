package dev.kiln.losses;

import dev.kiln.core.Tensor;

/**
 * Huber loss, as Keras's {@code Huber}: per element of the error e = p − y, ½e² where |e| ≤ δ and
 * δ·|e| − ½δ² beyond; the per-sample loss is the mean over the last axis.
 *
 * <p>Computed as ½q² + δ·(|e| − q) with q = min(|e|, δ), which has the same value and gradient without a branch.
 * Shapes as {@link MeanSquaredError}.
 */
public final class Huber extends Loss {

    /** All constructor arguments; Keras's default delta is 1.0 and its name "huber_loss". */
    public record Config(double delta, Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
            if (!(delta > 0)) throw new IllegalArgumentException("delta must be positive. Received: delta=" + delta);
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(delta, reduction, name); }

        @Override
        public Huber create() { return new Huber(this); }
    }

    private final Config config;

    public Huber() { this(1.0); }

    public Huber(double delta) { this(new Config(delta, Reduction.SUM_OVER_BATCH_SIZE, "huber_loss")); }

    public Huber(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        var aligned = alignSameShape(yTrue, yPred);
        Tensor p = aligned.yPred();
        double delta = config.delta();
        Tensor error = p.sub(aligned.yTrue().cast(p.dtype())).abs();
        Tensor quadratic = error.clip(0, delta);
        return meanOverLastAxis(quadratic.square().mul(0.5).add(error.sub(quadratic).mul(delta)));
    }

    @Override
    public Config config() { return config; }
}
