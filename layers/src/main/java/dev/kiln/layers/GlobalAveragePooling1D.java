package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * The mean over time of each channel, counting only unmasked steps when a mask [B, T] comes with the input:
 * {@code outputs[b, c] = Σ_t mask[b, t]·inputs[b, t, c] / Σ_t mask[b, t]} (mask 1 everywhere when absent).
 *
 * <p>Shapes: inputs [B, T, C] → outputs [B, C] ([B, 1, C] with keepdims). The mask is consumed, not passed on.
 */
public final class GlobalAveragePooling1D extends Layer {

    /** All constructor arguments; Keras's default keepdims is false. */
    public record Config(boolean keepdims) implements LayerConfig {}

    private final Config config;

    public GlobalAveragePooling1D() { this(new Config(false)); }

    public GlobalAveragePooling1D(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 3) throw inputError("expects input of rank 3 [batch, steps, channels]", inputShape);
    }

    @Override
    protected Tensor call(Tensor inputs, Tensor mask, boolean training) {
        if (mask == null) return inputs.mean(config.keepdims(), 1);
        var weights = mask.cast(inputs.dtype()).expandDims(-1);                  // [B, T, 1]
        var total = inputs.mul(weights).sum(config.keepdims(), 1);              // [B, C]
        return total.div(weights.sum(config.keepdims(), 1));                    // / [B, 1] unmasked steps
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        return config.keepdims() ? inputShape.with(1, 1) : Shape.of(inputShape.get(0), inputShape.get(2));
    }

    /** Keras's GlobalAveragePooling1D accepts masks; it removes the time axis, so no mask remains. */
    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Tensor computeMask(Tensor inputs, Tensor mask) { return null; }

    @Override
    public Config config() { return config; }
}
