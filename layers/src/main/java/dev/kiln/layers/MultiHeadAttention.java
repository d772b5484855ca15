package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-head attention (Vaswani et al., 2017), as Keras's MultiHeadAttention. For each head n:
 * Qₙ = query·Wqₙ + bqₙ, Kₙ = key·Wkₙ + bkₙ, Vₙ = value·Wvₙ + bvₙ, Aₙ = softmax(QₙKₙᵀ/√keyDim) over the keys (masked
 * positions weigh exactly 0) and dropped out in training, outputs = Σₙ (Aₙ·Vₙ)·Woₙ + bo, with
 * {@link NN#dotProductAttention} unless the scores are asked for.
 *
 * <p>Shapes (B batch, Tq query steps, Tk key steps, N numHeads, H keyDim, V valueDim): inputs [query [B, Tq, D],
 * value [B, Tk, Dv], optional key [B, Tk, Dk] (default: value)] → outputs [B, Tq, O], O = D unless outputShape; with
 * returnAttentionScores also scores [B, N, Tq, Tk]. Weights, as Keras: query/kernel [D, N, H], query/bias [N, H],
 * key/kernel [Dk, N, H], key/bias [N, H], value/kernel [Dv, N, V], value/bias [N, V], attention_output/kernel
 * [N, V, O], attention_output/bias [O].
 *
 * <p>Masks: the inputs' padding masks and the {@link AttentionOptions} combine by AND; the output carries the
 * query's mask. In a functional graph the layer runs with {@link AttentionOptions#NONE}.
 */
public final class MultiHeadAttention extends Layer {

    /** All constructor arguments; outputShape (null: the query's features) and seed may be null. */
    public record Config(int numHeads, int keyDim, int valueDim, double dropout, boolean useBias, Shape outputShape,
                         Initializer kernelInitializer, Initializer biasInitializer, Regularizer kernelRegularizer,
                         Regularizer biasRegularizer, Regularizer activityRegularizer, Constraint kernelConstraint,
                         Constraint biasConstraint, Long seed) implements LayerConfig {
        public Config {
            if (numHeads <= 0) throw new IllegalArgumentException("numHeads must be positive. Received: numHeads=" + numHeads);
            if (keyDim <= 0) throw new IllegalArgumentException("keyDim must be positive. Received: keyDim=" + keyDim);
            if (valueDim <= 0) throw new IllegalArgumentException("valueDim must be positive. Received: valueDim=" + valueDim);
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1). Received: dropout=" + dropout);
            if (outputShape != null && (outputShape.rank() == 0 || outputShape.rank() > 4 || !outputShape.isFullyKnown() || outputShape.size() == 0)) {
                throw new IllegalArgumentException("outputShape must have 1 to 4 known, positive sizes. Received: outputShape=" + outputShape);
            }
        }

        /** Keras's defaults: valueDim = keyDim, no dropout, biases, glorot_uniform kernels, zero biases. */
        public Config(int numHeads, int keyDim) {
            this(numHeads, keyDim, keyDim, 0, true, null, Initializer.glorotUniform(), Initializer.zeros(), null, null, null, null, null, null);
        }

        public Config withValueDim(int valueDim) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withDropout(double dropout) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withUseBias(boolean useBias) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withOutputShape(Shape outputShape) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer biasInitializer) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withRegularizers(Regularizer kernelRegularizer, Regularizer biasRegularizer, Regularizer activityRegularizer) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withConstraints(Constraint kernelConstraint, Constraint biasConstraint) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }

        public Config withSeed(long seed) {
            return new Config(numHeads, keyDim, valueDim, dropout, useBias, outputShape, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed);
        }
    }

    private final Config config;
    private EinsumDense query;    // the four projections and the dropout are created by build(), as in Keras
    private EinsumDense key;
    private EinsumDense value;
    private EinsumDense output;
    private Dropout dropout;
    private final ThreadLocal<AttentionOptions> options = ThreadLocal.withInitial(() -> AttentionOptions.NONE);   // the options of the call in progress, per thread (SideBySide runs parts of a batch side by side)

    public MultiHeadAttention(int numHeads, int keyDim) { this(new Config(numHeads, keyDim)); }

    public MultiHeadAttention(Config config) { this.config = config; }

    /** Keras's call with keyword arguments: returns [output], or [output, scores] with returnAttentionScores. */
    public List<Tensor> apply(List<Tensor> inputs, AttentionOptions options, boolean training) {
        return apply(inputs, Masks.of(inputs), options, training);
    }

    /** As {@link #apply(List, AttentionOptions, boolean)} with explicit padding masks [query, value(, key)] (null: none). */
    public List<Tensor> apply(List<Tensor> inputs, List<Tensor> masks, AttentionOptions options, boolean training) {
        this.options.set(options);
        try {
            return apply(inputs, masks, training);
        } finally {
            this.options.remove();
        }
    }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        if (shapes.size() != 2 && shapes.size() != 3) throw inputError("expects inputs [query, value] or [query, value, key]", shapes.size() + " inputs " + shapes);
        for (Shape s : shapes) {
            if (s.rank() != 3 || s.last() == Shape.UNKNOWN) throw inputError("expects inputs of rank 3 [batch, steps, features] with known features", shapes);
        }
        Shape valueShape = shapes.get(1);
        Shape keyShape = shapes.size() > 2 ? shapes.get(2) : valueShape;
        if (!valueShape.with(2, 0).isCompatibleWith(keyShape.with(2, 0))) {
            throw inputError("expects value and key with the same batch and steps", "value " + valueShape + ", key " + keyShape);
        }
        if (query == null) return;
        var expected = List.of(builtFeatures(query), builtFeatures(value), builtFeatures(key));
        var received = List.of(shapes.get(0).last(), valueShape.last(), keyShape.last());
        if (!expected.equals(received)) throw inputError("was built for query, value and key features " + expected, "features " + received);
    }

    private static long builtFeatures(Layer projection) { return projection.buildShapes().get(0).last(); }

    @Override
    protected void build(List<Shape> shapes) {
        Shape queryShape = shapes.get(0);
        Shape keyShape = shapes.get(shapes.size() - 1);
        int heads = config.numHeads();
        Shape out = config.outputShape() != null ? config.outputShape() : Shape.of(queryShape.last());
        query = Sublayers.built(projection("abc,cde->abde", Shape.of(heads, config.keyDim())), "query", queryShape);
        key = Sublayers.built(projection("abc,cde->abde", Shape.of(heads, config.keyDim())), "key", keyShape);
        value = Sublayers.built(projection("abc,cde->abde", Shape.of(heads, config.valueDim())), "value", shapes.get(1));
        String outAxes = "efgh".substring(0, out.rank());        // "abcd,cde->abe" for one output axis, as Keras
        output = Sublayers.built(projection("abcd,cd" + outAxes + "->ab" + outAxes, out), "attention_output",
                Shape.of(queryShape.get(0), queryShape.get(1), heads, config.valueDim()));
        dropout = new Dropout(new Dropout.Config(config.dropout(), null, config.seed()));
    }

    private EinsumDense projection(String equation, Shape outputShape) {
        return new EinsumDense(new EinsumDense.Config(equation, outputShape, config.useBias(), config.kernelInitializer(),
                config.biasInitializer(), config.kernelRegularizer(), config.biasRegularizer(), config.activityRegularizer(),
                config.kernelConstraint(), config.biasConstraint()));
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        AttentionOptions options = this.options.get();
        Tensor q = inputs.get(0), v = inputs.get(1), k = inputs.size() > 2 ? inputs.get(2) : v;
        Tensor keyMask = k != v ? masks.get(2) : null;      // as Keras: a key that is the value adds no mask of its own
        Tensor mask = AttentionMasks.combine(this, q, k, masks.get(0), masks.get(1), keyMask, options.attentionMask(), options.useCausalMask());
        // [B, Tq, N, H], scaled as Keras; scaled before any permuted view, where ND4J's scalar op is 10x slower
        Tensor qp = query.apply(q, training).mul(1 / Math.sqrt(config.keyDim()));
        Tensor kp = key.apply(k, training);                                                  // [B, Tk, N, H]
        Tensor vp = value.apply(v, training);                                                // [B, Tk, N, V]
        if (!options.returnAttentionScores()) {                                             // the weights are not needed
            double rate = training ? config.dropout() : 0;
            return List.of(output.apply(NN.dotProductAttention(qp, kp, vp, mask, rate, rate > 0 ? dropout.nextSeed() : null), training));
        }
        Tensor scores = NN.attentionWeights(qp, kp, mask);                                  // [B, N, Tq, Tk]
        Tensor context = dropout.apply(scores, training).matmul(vp.permute(0, 2, 1, 3)).permute(0, 2, 1, 3);   // [B, Tq, N, V]
        Tensor out = output.apply(context, training);                                        // [B, Tq, O]
        return options.returnAttentionScores() ? List.of(out, scores) : List.of(out);
    }

    @Override
    public List<Shape> outputShapes(List<Shape> shapes) {
        Shape q = shapes.get(0);
        Shape out = Shape.of(q.get(0), q.get(1));
        for (long d : (config.outputShape() != null ? config.outputShape() : Shape.of(q.last())).dims()) out = out.append(d);
        if (!options.get().returnAttentionScores()) return List.of(out);
        return List.of(out, Shape.of(q.get(0), config.numHeads(), q.get(1), shapes.get(1).get(1)));
    }

    @Override
    public boolean supportsMasking() { return true; }

    /** The output carries the query's mask, as Keras; the scores carry none. */
    @Override
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        var result = new ArrayList<Tensor>(1);
        result.add(masks.get(0));
        return result;
    }

    @Override
    public Config config() { return config; }
}
