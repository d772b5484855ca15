package dev.kiln.losses;

import dev.kiln.core.NN;
import dev.kiln.core.Tensor;

/**
 * Cross-entropy between one-hot (or soft) labels and a distribution over K classes, as Keras's
 * {@code CategoricalCrossentropy}.
 *
 * <p>From probabilities p: p is normalized to sum to 1 along {@code axis}, clipped to [1e-7, 1 − 1e-7], and the
 * loss is −Σ y·log p. From logits x: −Σ y·log softmax(x). Label smoothing s: y' = y·(1 − s) + s/K.
 *
 * <p>Shapes: yPred [B, K]; yTrue [B, K] with labels in [0, 1]; per-sample loss [B]. For class indices [B] use
 * {@link SparseCategoricalCrossentropy}.
 */
public final class CategoricalCrossentropy extends Loss {

    private static final double EPSILON = 1e-7;

    /** All constructor arguments; Keras's defaults are fromLogits false, labelSmoothing 0, axis -1. */
    public record Config(boolean fromLogits, double labelSmoothing, int axis, Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException("labelSmoothing must be in [0, 1]. Received: labelSmoothing=" + labelSmoothing);
            }
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(fromLogits, labelSmoothing, axis, reduction, name); }

        @Override
        public CategoricalCrossentropy create() { return new CategoricalCrossentropy(this); }
    }

    private final Config config;

    public CategoricalCrossentropy() { this(false); }

    public CategoricalCrossentropy(boolean fromLogits) { this(fromLogits, 0.0); }

    public CategoricalCrossentropy(boolean fromLogits, double labelSmoothing) {
        this(new Config(fromLogits, labelSmoothing, -1, Reduction.SUM_OVER_BATCH_SIZE, "categorical_crossentropy"));
    }

    public CategoricalCrossentropy(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        var aligned = alignSameShape(yTrue, yPred);
        Tensor p = aligned.yPred();
        int axis = p.shape().axis(config.axis());
        checkLabelRange(aligned.yTrue(), 0, 1);
        Tensor y = aligned.yTrue().cast(p.dtype());
        double s = config.labelSmoothing();
        if (s > 0) y = y.mul(1 - s).add(s / p.size(axis));
        if (config.fromLogits()) {
            return axis == p.rank() - 1 ? NN.softmaxCrossEntropyWithLogits(p, y) : p.logSoftmax(axis).mul(y).sum(axis).neg();
        }
        Tensor q = p.div(p.sum(true, axis)).clip(EPSILON, 1 - EPSILON);
        return y.mul(q.log()).sum(axis).neg();
    }

    @Override
    protected String shapeHint() { return " (one-hot; for integer class indices use SparseCategoricalCrossentropy)"; }

    @Override
    public Config config() { return config; }
}
