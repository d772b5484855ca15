package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One Transformer encoder block, as KerasHub's TransformerEncoder (post-norm, BERT-style, unless normalizeFirst):
 * <pre>
 *   x = LayerNorm(x + Dropout(SelfAttention(x, x)))
 *   x = LayerNorm(x + Dropout(Dense(Dense(x, intermediateDim, activation), D)))
 * </pre>
 * With normalizeFirst (pre-norm, GPT-2-style) each LayerNorm moves onto the branch's input instead:
 * {@code x = x + Dropout(SelfAttention(LayerNorm(x)))}, and likewise for the feed-forward.
 *
 * <p>Shapes: inputs [B, T, D] → outputs [B, T, D]; the attention has numHeads heads of keyDim = D / numHeads.
 * Sublayers, in Keras's weight order: self_attention_layer, self_attention_layer_norm, feedforward_layer_norm,
 * feedforward_intermediate_dense, feedforward_output_dense. The input's padding mask masks the attention and passes
 * through; {@link AttentionOptions} adds an attention mask, a causal mask or the attention scores as a second output.
 */
public final class TransformerEncoder extends Layer {

    /** All constructor arguments. */
    public record Config(int intermediateDim, int numHeads, double dropout, Activation activation, double layerNormEpsilon,
                         Initializer kernelInitializer, Initializer biasInitializer, boolean normalizeFirst) implements LayerConfig {
        public Config {
            TransformerDecoder.Config.check(intermediateDim, numHeads, dropout, layerNormEpsilon);
            if (activation == null) activation = Activation.LINEAR;
        }

        /** KerasHub's defaults: no dropout, relu, epsilon 1e-5, glorot_uniform kernels, zero biases, post-norm. */
        public Config(int intermediateDim, int numHeads) {
            this(intermediateDim, numHeads, 0, Activation.RELU, 1e-5, Initializer.glorotUniform(), Initializer.zeros(), false);
        }

        public Config withDropout(double dropout) {
            return new Config(intermediateDim, numHeads, dropout, activation, layerNormEpsilon, kernelInitializer, biasInitializer, normalizeFirst);
        }

        public Config withActivation(Activation activation) {
            return new Config(intermediateDim, numHeads, dropout, activation, layerNormEpsilon, kernelInitializer, biasInitializer, normalizeFirst);
        }

        public Config withLayerNormEpsilon(double layerNormEpsilon) {
            return new Config(intermediateDim, numHeads, dropout, activation, layerNormEpsilon, kernelInitializer, biasInitializer, normalizeFirst);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer biasInitializer) {
            return new Config(intermediateDim, numHeads, dropout, activation, layerNormEpsilon, kernelInitializer, biasInitializer, normalizeFirst);
        }

        public Config withNormalizeFirst(boolean normalizeFirst) {
            return new Config(intermediateDim, numHeads, dropout, activation, layerNormEpsilon, kernelInitializer, biasInitializer, normalizeFirst);
        }
    }

    private final Config config;
    private MultiHeadAttention selfAttention;          // the parts are created by build(), in Keras's order
    private LayerNormalization selfAttentionNorm;
    private Dropout selfAttentionDropout;
    private LayerNormalization feedforwardNorm;
    private Dense feedforwardIntermediate;
    private Dense feedforwardOutput;
    private Dropout feedforwardDropout;
    private AttentionOptions options = AttentionOptions.NONE;   // the options of the call in progress

    public TransformerEncoder(int intermediateDim, int numHeads) { this(new Config(intermediateDim, numHeads)); }

    public TransformerEncoder(Config config) { this.config = config; }

    /** KerasHub's call with keyword arguments: returns [outputs], or [outputs, scores [B, N, T, T]]. */
    public List<Tensor> apply(Tensor inputs, AttentionOptions options, boolean training) {
        return apply(inputs, Masks.of(inputs), options, training);
    }

    /** As {@link #apply(Tensor, AttentionOptions, boolean)} with an explicit padding mask [B, T] (null: none). */
    public List<Tensor> apply(Tensor inputs, Tensor paddingMask, AttentionOptions options, boolean training) {
        this.options = options;
        try {
            return apply(List.of(inputs), Collections.singletonList(paddingMask), training);
        } finally {
            this.options = AttentionOptions.NONE;
        }
    }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 3 || inputShape.last() == Shape.UNKNOWN) {
            throw inputError("expects input of rank 3 [batch, steps, features] with known features", inputShape);
        }
        if (inputShape.last() < config.numHeads()) {
            throw inputError("has numHeads=" + config.numHeads() + ", so keyDim = features / numHeads needs at least " + config.numHeads() + " features", inputShape);
        }
        if (selfAttentionNorm != null && inputShape.last() != buildShapes().get(0).last()) {
            throw inputError("was built for " + buildShapes().get(0).last() + " features", inputShape);
        }
    }

    @Override
    protected void build(Shape shape) {
        var attention = new MultiHeadAttention.Config(config.numHeads(), (int) (shape.last() / config.numHeads()))
                .withDropout(config.dropout()).withInitializers(config.kernelInitializer(), config.biasInitializer());
        selfAttention = Sublayers.built(new MultiHeadAttention(attention), "self_attention_layer", shape, shape);
        selfAttentionNorm = Sublayers.built(layerNorm(), "self_attention_layer_norm", shape);
        selfAttentionDropout = Sublayers.built(new Dropout(config.dropout()), "self_attention_dropout", shape);
        feedforwardNorm = Sublayers.built(layerNorm(), "feedforward_layer_norm", shape);
        feedforwardIntermediate = Sublayers.built(dense(config.intermediateDim(), config.activation()), "feedforward_intermediate_dense", shape);
        feedforwardOutput = Sublayers.built(dense((int) shape.last(), Activation.LINEAR), "feedforward_output_dense", shape.withLast(config.intermediateDim()));
        feedforwardDropout = Sublayers.built(new Dropout(config.dropout()), "feedforward_dropout", shape);
    }

    private LayerNormalization layerNorm() { return new LayerNormalization(new LayerNormalization.Config().withEpsilon(config.layerNormEpsilon())); }

    private Dense dense(int units, Activation activation) {
        return new Dense(new Dense.Config(units, activation).withInitializers(config.kernelInitializer(), config.biasInitializer()));
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        Tensor x = inputs.get(0);
        Tensor mask = masks.get(0);
        Tensor normed = config.normalizeFirst() ? selfAttentionNorm.apply(x, mask, training) : x;
        List<Tensor> attended = selfAttention.apply(List.of(normed, normed), Arrays.asList(mask, mask), options, training);
        x = residual(x, selfAttentionDropout.apply(attended.get(0), training), selfAttentionNorm, training);       // [B, T, D]
        normed = config.normalizeFirst() ? feedforwardNorm.apply(x, training) : x;
        Tensor feedforward = feedforwardOutput.apply(feedforwardIntermediate.apply(normed, training), training);
        x = residual(x, feedforwardDropout.apply(feedforward, training), feedforwardNorm, training);              // [B, T, D]
        return options.returnAttentionScores() ? List.of(x, attended.get(1)) : List.of(x);
    }

    /** x + branch, normalized afterwards unless normalizeFirst already normalized the branch's input. */
    private Tensor residual(Tensor x, Tensor branch, LayerNormalization norm, boolean training) {
        Tensor sum = x.add(branch);
        return config.normalizeFirst() ? sum : norm.apply(sum, training);
    }

    @Override
    public List<Shape> outputShapes(List<Shape> shapes) {
        Shape s = shapes.get(0);
        return options.returnAttentionScores() ? List.of(s, Shape.of(s.get(0), config.numHeads(), s.get(1), s.get(1))) : List.of(s);
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Config config() { return config; }
}
