package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One Transformer decoder block, as KerasHub's TransformerDecoder (post-norm unless normalizeFirst):
 * <pre>
 *   x = LayerNorm(x + Dropout(SelfAttention(x, x, causal)))
 *   x = LayerNorm(x + Dropout(CrossAttention(x, encoderOutputs)))     only when called with encoder outputs
 *   x = LayerNorm(x + Dropout(Dense(Dense(x, intermediateDim, activation), D)))
 * </pre>
 * With normalizeFirst each LayerNorm moves onto its branch's input, as in {@link TransformerEncoder}.
 *
 * <p>Shapes: inputs [decoder sequence [B, T, D]] or [decoder sequence, encoder sequence [B, S, De]] → outputs
 * [B, T, D]; both attentions have numHeads heads of D / numHeads. Sublayers, in Keras's weight order: self_attention,
 * self_attention_layer_norm, cross_attention, cross_attention_layer_norm, feedforward_intermediate_dense,
 * feedforward_output_dense, feedforward_layer_norm. Padding masks of both sequences mask the attentions; the output
 * carries the decoder sequence's mask. The first call fixes whether the block has cross-attention, as in KerasHub.
 */
public final class TransformerDecoder extends Layer {

    /** All constructor arguments. */
    public record Config(int intermediateDim, int numHeads, double dropout, Activation activation, double layerNormEpsilon,
                         Initializer kernelInitializer, Initializer biasInitializer, boolean normalizeFirst) implements LayerConfig {
        public Config {
            check(intermediateDim, numHeads, dropout, layerNormEpsilon);
            if (activation == null) activation = Activation.LINEAR;
        }

        /** KerasHub's defaults: no dropout, relu, epsilon 1e-5, glorot_uniform kernels, zero biases, post-norm. */
        public Config(int intermediateDim, int numHeads) {
            this(intermediateDim, numHeads, 0, Activation.RELU, 1e-5, Initializer.glorotUniform(), Initializer.zeros(), false);
        }

        static void check(int intermediateDim, int numHeads, double dropout, double layerNormEpsilon) {
            if (intermediateDim <= 0) throw new IllegalArgumentException("intermediateDim must be positive. Received: intermediateDim=" + intermediateDim);
            if (numHeads <= 0) throw new IllegalArgumentException("numHeads must be positive. Received: numHeads=" + numHeads);
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1). Received: dropout=" + dropout);
            if (!(layerNormEpsilon > 0)) throw new IllegalArgumentException("layerNormEpsilon must be positive. Received: layerNormEpsilon=" + layerNormEpsilon);
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

    private static final AttentionOptions CAUSAL = AttentionOptions.NONE.withCausalMask();

    private final Config config;
    private MultiHeadAttention selfAttention;          // the parts are created by build(), in Keras's order
    private LayerNormalization selfAttentionNorm;
    private Dropout selfAttentionDropout;
    private MultiHeadAttention crossAttention;         // null without an encoder sequence
    private LayerNormalization crossAttentionNorm;
    private Dropout crossAttentionDropout;
    private Dense feedforwardIntermediate;
    private Dense feedforwardOutput;
    private LayerNormalization feedforwardNorm;
    private Dropout feedforwardDropout;
    // the options of the call in progress, per thread (SideBySide runs parts of a batch side by side)
    private final ThreadLocal<AttentionOptions> selfOptions = ThreadLocal.withInitial(() -> CAUSAL);
    private final ThreadLocal<AttentionOptions> crossOptions = ThreadLocal.withInitial(() -> AttentionOptions.NONE);

    public TransformerDecoder(int intermediateDim, int numHeads) { this(new Config(intermediateDim, numHeads)); }

    public TransformerDecoder(Config config) { this.config = config; }

    /**
     * KerasHub's call with keyword arguments: explicit attention masks for the self-attention [B, T, T] and the
     * cross-attention [B, T, S] (null: none), and whether the self-attention is causal (KerasHub's default: true).
     */
    public Tensor apply(List<Tensor> inputs, Tensor decoderAttentionMask, Tensor encoderAttentionMask, boolean useCausalMask,
                        boolean training) {
        selfOptions.set(new AttentionOptions(decoderAttentionMask, useCausalMask, false));
        crossOptions.set(AttentionOptions.NONE.withAttentionMask(encoderAttentionMask));
        try {
            return apply(inputs, training).get(0);
        } finally {
            selfOptions.remove();
            crossOptions.remove();
        }
    }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        if (shapes.size() > 2) throw inputError("expects inputs [decoder sequence] or [decoder sequence, encoder sequence]", shapes.size() + " inputs " + shapes);
        for (Shape s : shapes) {
            if (s.rank() != 3 || s.last() == Shape.UNKNOWN) throw inputError("expects inputs of rank 3 [batch, steps, features] with known features", shapes);
        }
        if (shapes.get(0).last() < config.numHeads()) {
            throw inputError("has numHeads=" + config.numHeads() + ", so it needs at least " + config.numHeads() + " decoder features", shapes);
        }
        if (!built()) return;
        if (shapes.size() != buildShapes().size()) {
            throw inputError("was built " + (buildShapes().size() == 2 ? "with" : "without") + " cross-attention, so it expects "
                    + buildShapes().size() + " input(s)", shapes.size() + " inputs " + shapes);
        }
        for (int i = 0; i < shapes.size(); i++) {
            if (shapes.get(i).last() != buildShapes().get(i).last()) throw inputError("was built for inputs " + buildShapes(), shapes);
        }
    }

    @Override
    protected void build(List<Shape> shapes) {
        Shape shape = shapes.get(0);
        selfAttention = Sublayers.built(attention(shape), "self_attention", shape, shape);
        selfAttentionNorm = Sublayers.built(layerNorm(), "self_attention_layer_norm", shape);
        selfAttentionDropout = Sublayers.built(new Dropout(config.dropout()), "self_attention_dropout", shape);
        if (shapes.size() == 2) {
            crossAttention = Sublayers.built(attention(shape), "cross_attention", shape, shapes.get(1));
            crossAttentionNorm = Sublayers.built(layerNorm(), "cross_attention_layer_norm", shape);
            crossAttentionDropout = Sublayers.built(new Dropout(config.dropout()), "cross_attention_dropout", shape);
        }
        feedforwardIntermediate = Sublayers.built(dense(config.intermediateDim(), config.activation()), "feedforward_intermediate_dense", shape);
        feedforwardOutput = Sublayers.built(dense((int) shape.last(), Activation.LINEAR), "feedforward_output_dense", shape.withLast(config.intermediateDim()));
        feedforwardNorm = Sublayers.built(layerNorm(), "feedforward_layer_norm", shape);
        feedforwardDropout = Sublayers.built(new Dropout(config.dropout()), "feedforward_dropout", shape);
    }

    private MultiHeadAttention attention(Shape shape) {
        return new MultiHeadAttention(new MultiHeadAttention.Config(config.numHeads(), (int) (shape.last() / config.numHeads()))
                .withDropout(config.dropout()).withInitializers(config.kernelInitializer(), config.biasInitializer()));
    }

    private LayerNormalization layerNorm() { return new LayerNormalization(new LayerNormalization.Config().withEpsilon(config.layerNormEpsilon())); }

    private Dense dense(int units, Activation activation) {
        return new Dense(new Dense.Config(units, activation).withInitializers(config.kernelInitializer(), config.biasInitializer()));
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        Tensor x = inputs.get(0);
        Tensor mask = masks.get(0);
        Tensor normed = config.normalizeFirst() ? selfAttentionNorm.apply(x, training) : x;
        Tensor attended = selfAttention.apply(List.of(normed, normed), Arrays.asList(mask, mask), selfOptions.get(), training).get(0);
        x = residual(x, selfAttentionDropout.apply(attended, training), selfAttentionNorm, training);                 // [B, T, D]
        if (crossAttention != null) {
            normed = config.normalizeFirst() ? crossAttentionNorm.apply(x, training) : x;
            attended = crossAttention.apply(List.of(normed, inputs.get(1)), Arrays.asList(mask, masks.get(1)), crossOptions.get(), training).get(0);
            x = residual(x, crossAttentionDropout.apply(attended, training), crossAttentionNorm, training);          // [B, T, D]
        }
        normed = config.normalizeFirst() ? feedforwardNorm.apply(x, training) : x;
        Tensor feedforward = feedforwardOutput.apply(feedforwardIntermediate.apply(normed, training), training);
        return List.of(residual(x, feedforwardDropout.apply(feedforward, training), feedforwardNorm, training));     // [B, T, D]
    }

    /** x + branch, normalized afterwards unless normalizeFirst already normalized the branch's input. */
    private Tensor residual(Tensor x, Tensor branch, LayerNormalization norm, boolean training) {
        Tensor sum = x.add(branch);
        return config.normalizeFirst() ? sum : norm.apply(sum, training);
    }

    @Override
    public List<Shape> outputShapes(List<Shape> shapes) { return List.of(shapes.get(0)); }

    @Override
    public boolean supportsMasking() { return true; }

    /** The output carries the decoder sequence's mask. */
    @Override
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        var result = new ArrayList<Tensor>(1);
        result.add(masks.get(0));
        return result;
    }

    @Override
    public Config config() { return config; }
}
