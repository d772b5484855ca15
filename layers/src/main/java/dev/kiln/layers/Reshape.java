package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * Reshapes each sample to {@code targetShape} (batch excluded); one dimension may be -1, inferred from the size:
 * inputs [B, d₁, ..., dₙ] → outputs [B, targetShape...] with the same number of elements per sample.
 * Masks are dropped.
 */
public final class Reshape extends Layer {

    /** The per-sample target shape; -1 ({@link Shape#UNKNOWN}) marks the one dimension to infer. */
    public record Config(Shape targetShape) implements LayerConfig {
        public Config {
            long inferred = java.util.Arrays.stream(targetShape.dims()).filter(d -> d == Shape.UNKNOWN).count();
            if (inferred > 1 || java.util.Arrays.stream(targetShape.dims()).anyMatch(d -> d == 0)) {
                throw new IllegalArgumentException("targetShape may hold one -1 and no 0. Received: targetShape=" + targetShape);
            }
        }
    }

    private final Config config;

    public Reshape(long... targetShape) { this(new Config(Shape.of(targetShape))); }

    public Reshape(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 1) throw inputError("expects input of rank >= 1 [batch, ...]", inputShape);
        outputShape(inputShape);
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        return inputs.reshape(outputShape(inputs.shape()).dims());
    }

    /** The target shape behind the batch, with its -1 resolved when the input's sample size is known. */
    @Override
    public Shape outputShape(Shape inputShape) {
        Shape sample = inputShape.dropFirst();
        Shape target = config.targetShape();
        long known = 1;
        int inferAt = -1;
        for (int i = 0; i < target.rank(); i++) {
            if (target.get(i) == Shape.UNKNOWN) inferAt = i;
            else known *= target.get(i);
        }
        if (!sample.isFullyKnown()) return target.prepend(inputShape.get(0));
        long size = sample.size();
        if (inferAt < 0 ? size != known : size % known != 0) {
            throw inputError("cannot reshape samples of " + size + " elements to " + target, inputShape);
        }
        return (inferAt < 0 ? target : target.with(inferAt, size / known)).prepend(inputShape.get(0));
    }

    @Override
    public Config config() { return config; }
}
