package dev.kiln.layers;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;

/**
 * A placeholder for data in the functional API (Keras's {@code KerasTensor}): a shape with an unknown batch
 * dimension, a dtype, and the graph {@link Node} that produces it. {@code Input.of(...)} makes the first ones;
 * {@code layer.apply(symbolic)} records a node and returns its outputs; {@code new Model(inputs, outputs)} turns the
 * recorded graph into a model that runs on real tensors.
 */
public final class SymbolicTensor {

    private final Shape shape;
    private final DType dtype;
    private final Node node;
    private final int index;

    SymbolicTensor(Shape shape, DType dtype, Node node, int index) {
        this.shape = shape;
        this.dtype = dtype;
        this.node = node;
        this.index = index;
    }

    /** The shape, batch first; unknown dimensions are {@link Shape#UNKNOWN} and print as None. */
    public Shape shape() { return shape; }

    public DType dtype() { return dtype; }

    public int rank() { return shape.rank(); }

    /** The node that produces this tensor. */
    public Node node() { return node; }

    /** The layer that produces this tensor (an {@link InputLayer} for model inputs). */
    public Layer layer() { return node.layer(); }

    /** Which of its node's outputs this tensor is: the second index in Keras's "dense[0][0]". */
    public int index() { return index; }

    @Override
    public String toString() {
        return "<SymbolicTensor shape=" + shape + ", dtype=" + dtype.kerasName() + ", from=" + node.layer().name() + ">";
    }
}
