package dev.kiln.losses;

import dev.kiln.core.NN;
import dev.kiln.core.Tensor;

/**
 * Binary cross-entropy for one or several independent yes/no outputs, as Keras's {@code BinaryCrossentropy}.
 *
 * <p>Per element, from probabilities p clipped to [1e-7, 1 − 1e-7]: −(y·log p + (1 − y)·log(1 − p)); from logits x:
 * max(x, 0) − x·y + log(1 + e^−|x|), the same value computed stably. Label smoothing s moves the labels toward ½:
 * y' = y·(1 − s) + s/2. The per-sample loss is the mean over the last axis.
 *
 * <p>Shapes: yPred [B, 1] (or [B, K] for K independent outputs); yTrue the same or [B]; labels in [0, 1].
 */
public final class BinaryCrossentropy extends Loss {

    /** All constructor arguments; Keras's defaults are fromLogits false, labelSmoothing 0. */
    public record Config(boolean fromLogits, double labelSmoothing, Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException("labelSmoothing must be in [0, 1]. Received: labelSmoothing=" + labelSmoothing);
            }
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(fromLogits, labelSmoothing, reduction, name); }

        @Override
        public BinaryCrossentropy create() { return new BinaryCrossentropy(this); }
    }

    private final Config config;

    public BinaryCrossentropy() { this(false); }

    public BinaryCrossentropy(boolean fromLogits) { this(fromLogits, 0.0); }

    public BinaryCrossentropy(boolean fromLogits, double labelSmoothing) {
        this(new Config(fromLogits, labelSmoothing, Reduction.SUM_OVER_BATCH_SIZE, "binary_crossentropy"));
    }

    public BinaryCrossentropy(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        var aligned = alignSameShape(yTrue, yPred);
        checkLabelRange(aligned.yTrue(), 0, 1);
        Tensor y = aligned.yTrue().cast(yPred.dtype());
        double s = config.labelSmoothing();
        if (s > 0) y = y.mul(1 - s).add(0.5 * s);
        Tensor p = aligned.yPred();
        return meanOverLastAxis(config.fromLogits() ? NN.sigmoidCrossEntropyWithLogits(p, y) : NN.binaryCrossEntropy(p, y));
    }

    @Override
    public Config config() { return config; }
}
