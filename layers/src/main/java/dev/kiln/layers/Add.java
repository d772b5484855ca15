package dev.kiln.layers;

import dev.kiln.core.Tensor;

/** Adds its inputs element-wise: {@code outputs = x₁ + x₂ + ...}, all of one (broadcastable) shape. */
public final class Add extends Merge {

    /** Add has no arguments. */
    public record Config() implements LayerConfig {}

    public Add() {}

    public Add(Config config) {}

    @Override
    protected Tensor merge(Tensor a, Tensor b) { return a.add(b); }

    @Override
    public Config config() { return new Config(); }
}
