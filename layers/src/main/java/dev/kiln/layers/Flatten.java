package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * Flattens every axis but the batch: inputs [B, d₁, ..., dₙ] → outputs [B, d₁·...·dₙ] ([B] → [B, 1]). The output
 * size is unknown (None) when an input dimension is. Masks are dropped.
 */
public final class Flatten extends Layer {

    /** Flatten has no arguments. */
    public record Config() implements LayerConfig {}

    public Flatten() {}

    public Flatten(Config config) {}

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 1) throw inputError("expects input of rank >= 1 [batch, ...]", inputShape);
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) { return inputs.reshape(inputs.size(0), -1); }

    @Override
    public Shape outputShape(Shape inputShape) {
        Shape sample = inputShape.dropFirst();
        return Shape.of(inputShape.get(0), sample.isFullyKnown() ? sample.size() : Shape.UNKNOWN);
    }

    @Override
    public Config config() { return new Config(); }
}
