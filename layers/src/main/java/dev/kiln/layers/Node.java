package dev.kiln.layers;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * One application of a layer in a functional graph: the symbolic tensors it consumed and the ones it produced.
 * A layer applied twice (a shared layer) has two nodes and one set of weights.
 */
public final class Node {

    private final Layer layer;
    private final List<SymbolicTensor> inputs;
    private final List<SymbolicTensor> outputs;

    Node(Layer layer, List<SymbolicTensor> inputs, List<Shape> outputShapes, DType dtype) {
        this.layer = layer;
        this.inputs = List.copyOf(inputs);
        var made = new ArrayList<SymbolicTensor>(outputShapes.size());
        for (int i = 0; i < outputShapes.size(); i++) made.add(new SymbolicTensor(outputShapes.get(i), dtype, this, i));
        this.outputs = List.copyOf(made);
    }

    public Layer layer() { return layer; }

    public List<SymbolicTensor> inputs() { return inputs; }

    public List<SymbolicTensor> outputs() { return outputs; }

    /** This node's position among its layer's nodes: the first index in Keras's "dense[0][0]". */
    public int index() { return layer.inboundNodes().indexOf(this); }

    @Override
    public String toString() { return "Node(" + layer.name() + "[" + index() + "])"; }
}
