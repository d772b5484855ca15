package dev.kiln.models;

import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.layers.InputLayer;
import dev.kiln.layers.Layer;
import dev.kiln.layers.SymbolicTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain stack of layers, each with one input and one output: the special case of {@link Model} whose graph is a
 * chain. With an {@code Input} first it is built at once (shape errors appear while it is assembled); without one
 * it is built on its first call, from the input's shape, with an input of {@link Kiln#floatx()}.
 *
 * <pre>{@code
 * var model = new Sequential(
 *         new Embedding(10_000, 16), new Conv1D(32, 5, RELU), new MaxPooling1D(2),
 *         new GlobalMaxPooling1D(), new Dense(16, RELU), new Dense(1, SIGMOID));
 * }</pre>
 */
public class Sequential extends Model {

    /** The layers in order and the input's configuration (null: built on the first call). */
    public record Config(List<Layer> layers, InputLayer.Config input) implements dev.kiln.layers.LayerConfig {
        public Config { layers = List.copyOf(layers); }
    }

    private final List<Layer> stack = new ArrayList<>();
    private SymbolicTensor input;   // null until the input shape is known

    public Sequential(Layer... layers) { this(List.of(layers)); }

    public Sequential(List<Layer> layers) { for (Layer layer : layers) add(layer); }

    /** A model built at once for {@code input} (from {@code Input.of(...)}). */
    public Sequential(SymbolicTensor input, Layer... layers) {
        add(input);
        for (Layer layer : layers) add(layer);
    }

    public Sequential(Config config) {
        if (config.input() != null) add(new InputLayer(config.input()).output());
        for (Layer layer : config.layers()) add(layer);
    }

    /** Sets the input (Keras's {@code model.add(keras.Input(...))}); only as the first entry. */
    public final void add(SymbolicTensor input) {
        if (this.input != null || !stack.isEmpty()) {
            throw new IllegalStateException("An Input can only be the first entry of " + describe() + ", which already has "
                    + (this.input != null ? "an input " + this.input.shape() : stack.size() + " layers"));
        }
        if (!(input.layer() instanceof InputLayer)) {
            throw new IllegalArgumentException(describe() + " takes an Input.of(...) as its input. Received: " + input);
        }
        this.input = input;
        initGraph(List.of(input), List.of(input));
    }

    /** Appends a layer; when the input is known the layer is built and checked right away. */
    public final void add(Layer layer) {
        if (layer instanceof InputLayer inputLayer) {
            add(inputLayer.output());
            return;
        }
        if (layer == this) throw new IllegalArgumentException(describe() + " cannot contain itself");
        if (input == null) {
            stack.add(layer);
            return;
        }
        SymbolicTensor next = applyOne(layer, outputs().get(0));
        stack.add(layer);
        initGraph(List.of(input), List.of(next));
    }

    /** Removes and returns the last layer (Keras's {@code pop}). */
    public final Layer pop() {
        if (stack.isEmpty()) throw new IllegalStateException(describe() + " has no layers to pop");
        Layer last = stack.remove(stack.size() - 1);
        if (input != null) rebuild();
        return last;
    }

    @Override
    public List<Layer> layers() { return List.copyOf(stack); }

    /** Builds the graph for inputs of {@code inputShape} on the first call (the batch dimension is left unknown). */
    @Override
    protected void build(Shape inputShape) {
        if (stack.isEmpty()) throw new IllegalStateException(describe() + " has no layers");
        input = new InputLayer(new InputLayer.Config(inputShape.with(0, Shape.UNKNOWN), Kiln.floatx())).output();
        rebuild();
    }

    private void rebuild() {
        SymbolicTensor x = input;
        for (Layer layer : stack) x = applyOne(layer, x);
        initGraph(List.of(input), List.of(x));
    }

    private SymbolicTensor applyOne(Layer layer, SymbolicTensor x) {
        List<SymbolicTensor> outs = layer.apply(List.of(x));
        if (outs.size() != 1) {
            throw new IllegalArgumentException("All layers in a Sequential model must have one output. " + layer + " has " + outs.size());
        }
        return outs.get(0);
    }

    @Override
    public List<Shape> outputShapes(List<Shape> inputShapes) {
        if (input != null) return super.outputShapes(inputShapes);
        var shapes = inputShapes;
        for (Layer layer : stack) shapes = layer.outputShapes(shapes);
        return shapes;
    }

    @Override
    public Config config() {
        return new Config(stack, input == null ? null : ((InputLayer) input.layer()).config());
    }
}
