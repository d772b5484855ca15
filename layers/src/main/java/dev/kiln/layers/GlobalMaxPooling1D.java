package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * The maximum over time of each channel: {@code outputs[b, c] = max_t inputs[b, t, c]}.
 *
 * <p>Shapes: inputs [B, T, C] → outputs [B, C] ([B, 1, C] with keepdims). The gradient goes to the first
 * maximum. Masks are not used (as Keras) and not passed on.
 */
public final class GlobalMaxPooling1D extends Layer {

    /** All constructor arguments; Keras's default keepdims is false. */
    public record Config(boolean keepdims) implements LayerConfig {}

    private final Config config;

    public GlobalMaxPooling1D() { this(new Config(false)); }

    public GlobalMaxPooling1D(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 3) throw inputError("expects input of rank 3 [batch, steps, channels]", inputShape);
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) { return inputs.max(config.keepdims(), 1); }

    @Override
    public Shape outputShape(Shape inputShape) {
        return config.keepdims() ? inputShape.with(1, 1) : Shape.of(inputShape.get(0), inputShape.get(2));
    }

    @Override
    public Config config() { return config; }
}
