package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * A token embedding plus a learned position embedding, as KerasHub's TokenAndPositionEmbedding:
 * {@code outputs[b, t, :] = token_embedding[inputs[b, t], :] + position_embedding[t, :]}.
 *
 * <p>Shapes: inputs [B, T] of token ids in [0, vocabularySize), T ≤ sequenceLength → outputs [B, T, embeddingDim].
 * Weights: token_embedding/embeddings [vocabularySize, embeddingDim], position_embedding/embeddings
 * [sequenceLength, embeddingDim], both from embeddingsInitializer. With maskZero, id 0 is padding and the output
 * carries the mask [B, T].
 */
public final class TokenAndPositionEmbedding extends Layer {

    /** All constructor arguments. */
    public record Config(int vocabularySize, int sequenceLength, int embeddingDim, Initializer embeddingsInitializer,
                         boolean maskZero) implements LayerConfig {
        public Config {
            if (vocabularySize <= 0) throw new IllegalArgumentException("vocabularySize must be positive. Received: vocabularySize=" + vocabularySize);
            if (sequenceLength <= 0) throw new IllegalArgumentException("sequenceLength must be positive. Received: sequenceLength=" + sequenceLength);
            if (embeddingDim <= 0) throw new IllegalArgumentException("embeddingDim must be positive. Received: embeddingDim=" + embeddingDim);
        }

        /** KerasHub's defaults: embeddings uniform in [-0.05, 0.05), no mask. */
        public Config(int vocabularySize, int sequenceLength, int embeddingDim) {
            this(vocabularySize, sequenceLength, embeddingDim, Initializer.randomUniform(), false);
        }

        public Config withMaskZero(boolean maskZero) {
            return new Config(vocabularySize, sequenceLength, embeddingDim, embeddingsInitializer, maskZero);
        }

        public Config withEmbeddingsInitializer(Initializer embeddingsInitializer) {
            return new Config(vocabularySize, sequenceLength, embeddingDim, embeddingsInitializer, maskZero);
        }
    }

    private final Config config;
    private final Embedding tokenEmbedding;
    private final PositionEmbedding positionEmbedding;

    public TokenAndPositionEmbedding(int vocabularySize, int sequenceLength, int embeddingDim) {
        this(new Config(vocabularySize, sequenceLength, embeddingDim));
    }

    public TokenAndPositionEmbedding(Config config) {
        this.config = config;
        this.tokenEmbedding = new Embedding(new Embedding.Config(config.vocabularySize(), config.embeddingDim())
                .withEmbeddingsInitializer(config.embeddingsInitializer()).withMaskZero(config.maskZero())).named("token_embedding");
        this.positionEmbedding = new PositionEmbedding(new PositionEmbedding.Config(config.sequenceLength(), config.embeddingsInitializer()))
                .named("position_embedding");
    }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 2) throw inputError("expects token ids of rank 2 [batch, steps]", inputShape);
        if (inputShape.get(1) > config.sequenceLength()) {
            throw inputError("has sequenceLength " + config.sequenceLength() + ", so it expects at most that many steps", inputShape);
        }
    }

    @Override
    protected void build(Shape inputShape) {
        tokenEmbedding.maybeBuild(inputShape);
        positionEmbedding.maybeBuild(inputShape.append(config.embeddingDim()));
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        Tensor tokens = tokenEmbedding.apply(inputs, training);              // [B, T, E]
        return tokens.add(positionEmbedding.positions(inputs.size(1)));      // + [T, E]
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape.append(config.embeddingDim()); }

    @Override
    public Tensor computeMask(Tensor inputs, Tensor mask) { return tokenEmbedding.computeMask(inputs, mask); }

    @Override
    public Config config() { return config; }
}
