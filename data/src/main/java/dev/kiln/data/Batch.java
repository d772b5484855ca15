package dev.kiln.data;

import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One batch of a {@link Dataset}: the model inputs in input order, the labels and the per-sample weights.
 *
 * <p>Shapes: each input [B, ...]; labels [B, ...] or null when predicting; sampleWeights [B] or [B, 1], or null.
 * The tensors are fresh copies that belong to the consumer, made outside any memory scope: a trainer hands
 * them to its step's scope with {@code MemoryScope.adopt(batch.tensors())} so they are freed with the step.
 *
 * @param index the position of this batch in its epoch, from 0
 */
public record Batch(int index, List<Tensor> inputs, Tensor labels, Tensor sampleWeights) {

    public Batch {
        if (inputs == null || inputs.isEmpty()) throw new IllegalArgumentException("A batch needs at least one input. Received: " + inputs);
        inputs = List.copyOf(inputs);
    }

    /** The number of samples B. */
    public int size() { return Math.toIntExact(inputs.get(0).size(0)); }

    /** The only input, for single-input models. */
    public Tensor input() {
        if (inputs.size() != 1) {
            throw new IllegalStateException("input() needs a batch with one input. Received " + inputs.size() + " inputs; use inputs()");
        }
        return inputs.get(0);
    }

    /** Every tensor of the batch (inputs, then labels and weights where present), for {@code MemoryScope.adopt}. */
    public Tensor[] tensors() {
        List<Tensor> all = new ArrayList<>(inputs);
        if (labels != null) all.add(labels);
        if (sampleWeights != null) all.add(sampleWeights);
        return all.toArray(Tensor[]::new);
    }

    public Batch withInputs(List<Tensor> inputs) { return new Batch(index, inputs, labels, sampleWeights); }

    public Batch withLabels(Tensor labels) { return new Batch(index, inputs, labels, sampleWeights); }

    public Batch withSampleWeights(Tensor sampleWeights) { return new Batch(index, inputs, labels, sampleWeights); }
}
