package dev.kiln.layers;

import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What {@link Attention} and {@link AdditiveAttention} share, as Keras's Attention base: scores [B, Tq, Tv] from the
 * subclass, masked by the value's padding mask, the causal mask and an explicit mask (scores − 1e9 where masked),
 * then weights = softmax(scores), outputs = dropout(weights)·value, zeroed at the query's padded steps.
 *
 * <p>Shapes: inputs [query [B, Tq, D], value [B, Tv, Dv], optional key [B, Tv, D] (default: value)] → outputs
 * [B, Tq, Dv]; with returnAttentionScores also the weights [B, Tq, Tv]. The output carries the query's mask.
 */
abstract class BaseDenseAttention extends Layer {

    private final double dropout;
    private final Random generator;                          // null without a seed: Kiln's global generator
    private final ThreadLocal<AttentionOptions> options = ThreadLocal.withInitial(() -> AttentionOptions.NONE);   // the options of the call in progress, per thread (SideBySide runs parts of a batch side by side)

    BaseDenseAttention(double dropout, Long seed) {
        this.dropout = dropout;
        this.generator = seed == null ? null : new Random(seed);
    }

    /** The attention scores [B, Tq, Tv] of query [B, Tq, D] and key [B, Tv, D]. */
    protected abstract Tensor scores(Tensor query, Tensor key);

    /** Keras's call with keyword arguments: returns [output], or [output, weights] with returnAttentionScores. */
    public List<Tensor> apply(List<Tensor> inputs, AttentionOptions options, boolean training) {
        return apply(inputs, Masks.of(inputs), options, training);
    }

    /** As {@link #apply(List, AttentionOptions, boolean)} with explicit masks [query, value(, key)] (null: none). */
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
        for (Shape s : shapes) if (s.rank() != 3) throw inputError("expects inputs of rank 3 [batch, steps, features]", shapes);
        Shape query = shapes.get(0), value = shapes.get(1), key = shapes.size() > 2 ? shapes.get(2) : value;
        if (!value.with(2, 0).isCompatibleWith(key.with(2, 0))) throw inputError("expects value and key with the same batch and steps", "value " + value + ", key " + key);
        if (!Shape.of(query.last()).isCompatibleWith(Shape.of(key.last()))) {
            throw inputError("expects query and key with the same features", "query " + query + ", key " + key);
        }
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        AttentionOptions options = this.options.get();
        Tensor query = inputs.get(0), value = inputs.get(1), key = inputs.size() > 2 ? inputs.get(2) : value;
        Tensor mask = AttentionMasks.combine(this, query, key, null, masks.get(1), null, options.attentionMask(), options.useCausalMask());
        Tensor weights = NN.maskScores(scores(query, key), mask).softmax();                     // [B, Tq, Tv]
        Tensor dropped = training && dropout > 0 ? NN.dropout(weights, dropout, null, generator == null ? null : generator.nextLong()) : weights;
        Tensor outputs = dropped.matmul(value);                                                  // [B, Tq, Dv]
        if (masks.get(0) != null) outputs = outputs.mul(masks.get(0).cast(outputs.dtype()).expandDims(-1));
        return options.returnAttentionScores() ? List.of(outputs, weights) : List.of(outputs);
    }

    @Override
    public List<Shape> outputShapes(List<Shape> shapes) {
        Shape query = shapes.get(0);
        Shape outputs = query.withLast(shapes.get(1).last());
        return options.get().returnAttentionScores() ? List.of(outputs, query.withLast(shapes.get(1).get(1))) : List.of(outputs);
    }

    @Override
    public boolean supportsMasking() { return true; }

    /** The output carries the query's mask, as Keras; the weights carry none. */
    @Override
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        var result = new ArrayList<Tensor>(1);
        result.add(masks.get(0));
        return result;
    }
}
