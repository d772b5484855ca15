package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * A learned embedding of each position, as KerasHub's PositionEmbedding: {@code outputs[..., t, :] = embeddings[t, :]}
 * for t < T, broadcast to the input's shape; the input's values are not used. Add it to a token embedding.
 *
 * <p>Shapes: inputs [B, ..., T, E] with T ≤ sequenceLength → outputs [B, ..., T, E]; embeddings [sequenceLength, E].
 * Masks are not passed on (as KerasHub).
 */
public final class PositionEmbedding extends Layer {

    /** All constructor arguments. */
    public record Config(int sequenceLength, Initializer initializer) implements LayerConfig {
        public Config {
            if (sequenceLength <= 0) {
                throw new IllegalArgumentException("sequenceLength must be positive. Received: sequenceLength=" + sequenceLength);
            }
        }

        /** KerasHub's default initializer: glorot_uniform. */
        public Config(int sequenceLength) { this(sequenceLength, Initializer.glorotUniform()); }
    }

    private final Config config;
    private Tensor embeddings;  // [sequenceLength, E], created by build()

    public PositionEmbedding(int sequenceLength) { this(new Config(sequenceLength)); }

    public PositionEmbedding(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 2 || inputShape.last() == Shape.UNKNOWN) {
            throw inputError("expects input of rank >= 2 [batch, ..., steps, features] with known features", inputShape);
        }
        if (inputShape.get(-2) > config.sequenceLength()) {
            throw inputError("has sequenceLength " + config.sequenceLength() + ", so it expects at most that many steps (axis -2)", inputShape);
        }
        if (embeddings != null && inputShape.last() != embeddings.size(1)) {
            throw inputError("was built for " + embeddings.size(1) + " features [..., " + embeddings.size(1) + "]", inputShape);
        }
    }

    @Override
    protected void build(Shape inputShape) {
        embeddings = addWeight("embeddings", Shape.of(config.sequenceLength(), inputShape.last()), config.initializer());
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        Tensor zeros = AttentionMasks.temporary(Tensor.zeros(inputs.shape(), dtype()));
        return zeros.add(positions(inputs.size(-2)));             // [T, E] broadcast to [B, ..., T, E]
    }

    /** The embeddings of positions 0 … steps − 1: [steps, E]. */
    Tensor positions(long steps) {
        return steps == config.sequenceLength() ? embeddings : embeddings.slice(0, 0, steps);
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public Config config() { return config; }
}
