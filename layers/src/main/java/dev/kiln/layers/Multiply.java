package dev.kiln.layers;

import dev.kiln.core.Tensor;

/** Multiplies its inputs element-wise: {@code outputs = x₁ · x₂ · ...}, all of one (broadcastable) shape. */
public final class Multiply extends Merge {

    /** Multiply has no arguments. */
    public record Config() implements LayerConfig {}

    public Multiply() {}

    public Multiply(Config config) {}

    @Override
    protected Tensor merge(Tensor a, Tensor b) { return a.mul(b); }

    @Override
    public Config config() { return new Config(); }
}
