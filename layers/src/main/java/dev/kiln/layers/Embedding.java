package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * Turns integer indices into dense vectors: {@code outputs[..., :] = embeddings[inputs[...], :]}.
 *
 * <p>Shapes: inputs [B, ...] of indices in [0, inputDim) (int, or float holding integers) → outputs
 * [B, ..., outputDim]; embeddings [inputDim, outputDim]. With {@code maskZero} index 0 is padding: the output
 * carries a mask [B, T] that is 0 where the index is 0, for the mask-aware layers downstream (so the vocabulary
 * needs inputDim = words + 1).
 */
public final class Embedding extends Layer {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int inputDim, int outputDim, Initializer embeddingsInitializer, Regularizer embeddingsRegularizer,
                         Regularizer activityRegularizer, Constraint embeddingsConstraint, boolean maskZero)
            implements LayerConfig {
        public Config {
            if (inputDim <= 0) throw new IllegalArgumentException("inputDim must be positive. Received: inputDim=" + inputDim);
            if (outputDim <= 0) throw new IllegalArgumentException("outputDim must be positive. Received: outputDim=" + outputDim);
        }

        /** Keras's defaults: embeddings uniform in [-0.05, 0.05), no regularizer or constraint, maskZero false. */
        public Config(int inputDim, int outputDim) {
            this(inputDim, outputDim, Initializer.randomUniform(), null, null, null, false);
        }

        public Config withMaskZero(boolean maskZero) {
            return new Config(inputDim, outputDim, embeddingsInitializer, embeddingsRegularizer, activityRegularizer,
                    embeddingsConstraint, maskZero);
        }

        public Config withEmbeddingsInitializer(Initializer embeddingsInitializer) {
            return new Config(inputDim, outputDim, embeddingsInitializer, embeddingsRegularizer, activityRegularizer,
                    embeddingsConstraint, maskZero);
        }

        public Config withRegularizers(Regularizer embeddingsRegularizer, Regularizer activityRegularizer) {
            return new Config(inputDim, outputDim, embeddingsInitializer, embeddingsRegularizer, activityRegularizer,
                    embeddingsConstraint, maskZero);
        }

        public Config withEmbeddingsConstraint(Constraint embeddingsConstraint) {
            return new Config(inputDim, outputDim, embeddingsInitializer, embeddingsRegularizer, activityRegularizer,
                    embeddingsConstraint, maskZero);
        }
    }

    private final Config config;
    private Tensor embeddings;  // [inputDim, outputDim], created by build()

    public Embedding(int inputDim, int outputDim) { this(new Config(inputDim, outputDim)); }

    public Embedding(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 1) throw inputError("expects indices of rank >= 1 [batch, ...]", inputShape);
    }

    @Override
    protected void build(Shape inputShape) {
        embeddings = addWeight("embeddings", Shape.of(config.inputDim(), config.outputDim()), config.embeddingsInitializer(),
                config.embeddingsRegularizer(), config.embeddingsConstraint());
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        return NN.gather(embeddings, inputs);     // [B, T] indices → [B, T, outputDim]
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape.append(config.outputDim()); }

    /** 1 where the index is not 0 (indices are non-negative, so clip(index, 0, 1) is index ≠ 0). */
    @Override
    public Tensor computeMask(Tensor inputs, Tensor mask) {
        return config.maskZero() ? inputs.cast(dtype()).clip(0, 1) : null;
    }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
