package dev.kiln.models;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.InputLayer;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerConfig;
import dev.kiln.layers.Masks;
import dev.kiln.layers.Node;
import dev.kiln.layers.SymbolicTensor;
import dev.kiln.saving.ModelFile;
import dev.kiln.saving.Serialization;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A functional model (Keras's {@code Functional}): the graph of layers recorded from symbolic inputs to symbolic
 * outputs, run eagerly on real tensors in topological order. Several inputs and outputs, shared layers (one layer
 * applied twice: one set of weights, gradients from both uses add up) and nested models (a Model is a Layer) work
 * as in Keras.
 *
 * <pre>{@code
 * var tokens = Input.of(100);                              // [None, 100]
 * var x = new Embedding(10_000, 16).apply(tokens);         // [None, 100, 16]
 * var probability = new Dense(1, SIGMOID).apply(new GlobalAveragePooling1D().apply(x));
 * var model = new Model(tokens, probability);
 * Tensor p = model.predict(batch);                         // [B, 1]
 * }</pre>
 *
 * <p>Real inputs are cast to their Input's dtype and checked against its shape (unknown dimensions match any size).
 */
public class Model extends Layer {

    private static final Logger LOG = LoggerFactory.getLogger(Model.class);

    /** The graph's endpoints; its layers and connections are reachable from the outputs. */
    public record Config(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) implements LayerConfig {
        public Config {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
        }
    }

    private List<SymbolicTensor> inputs = List.of();
    private List<SymbolicTensor> outputs = List.of();
    private List<Node> nodes = List.of();     // every node between the inputs and the outputs, inputs first
    private List<Layer> layers = List.of();   // input layers, then the other layers in node order, each once

    public Model(SymbolicTensor input, SymbolicTensor output) { this(List.of(input), List.of(output)); }

    public Model(List<SymbolicTensor> inputs, SymbolicTensor output) { this(inputs, List.of(output)); }

    public Model(SymbolicTensor input, List<SymbolicTensor> outputs) { this(List.of(input), outputs); }

    public Model(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) { initGraph(inputs, outputs); }

    public Model(Config config) { this(config.inputs(), config.outputs()); }

    /** A model whose graph is set later with {@link #initGraph} (Sequential, once it knows its input shape). */
    protected Model() {}

    /** Finds the nodes between {@code inputs} and {@code outputs}, in an order that runs every input before its use. */
    protected final void initGraph(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new IllegalArgumentException("A model needs at least one input and one output. Received " + inputs.size()
                    + " inputs and " + outputs.size() + " outputs");
        }
        Set<SymbolicTensor> inputSet = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SymbolicTensor in : inputs) {
            if (!inputSet.add(in)) throw new IllegalArgumentException("Model inputs must be distinct. " + in + " is given twice");
        }
        var order = new ArrayList<Node>();
        Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SymbolicTensor out : outputs) visit(out, inputSet, visited, order, inputs);
        var found = new ArrayList<Layer>();
        for (SymbolicTensor in : inputs) if (in.layer() instanceof InputLayer && !found.contains(in.layer())) found.add(in.layer());
        for (Node node : order) if (!containsIdentity(found, node.layer())) found.add(node.layer());
        checkUniqueNames(found);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.nodes = List.copyOf(order);
        this.layers = List.copyOf(found);
        markBuilt(inputs.stream().map(SymbolicTensor::shape).toList());
    }

    private static void visit(SymbolicTensor tensor, Set<SymbolicTensor> inputSet, Set<Node> visited, List<Node> order,
                              List<SymbolicTensor> inputs) {
        if (inputSet.contains(tensor) || visited.contains(tensor.node())) return;
        Node node = tensor.node();
        if (node.inputs().isEmpty()) {
            throw new IllegalArgumentException("Graph disconnected: cannot obtain the value of " + tensor + ", which is not"
                    + " computed from the model's inputs " + inputs + ". Pass it as an input or build it from them");
        }
        visited.add(node);
        for (SymbolicTensor in : node.inputs()) visit(in, inputSet, visited, order, inputs);
        order.add(node);
    }

    private static boolean containsIdentity(List<Layer> list, Layer layer) {
        for (Layer l : list) if (l == layer) return true;
        return false;
    }

    private static void checkUniqueNames(List<Layer> layers) {
        Map<String, Layer> byName = new HashMap<>();
        for (Layer layer : layers) {
            Layer other = byName.putIfAbsent(layer.name(), layer);
            if (other != null) {
                throw new IllegalArgumentException("All layer names in a model must be unique. '" + layer.name() + "' is used by "
                        + other + " and " + layer);
            }
        }
    }

    // ---- the graph ----

    public final List<SymbolicTensor> inputs() { return inputs; }

    public final List<SymbolicTensor> outputs() { return outputs; }

    /** The model's layers (a functional model lists its InputLayers first, as Keras). */
    public List<Layer> layers() { return layers; }

    /** The layer named {@code name} (Keras's {@code get_layer}). */
    public final Layer getLayer(String name) {
        for (Layer layer : layers()) if (layer.name().equals(name)) return layer;
        throw new IllegalArgumentException("No layer named '" + name + "' in " + describe() + ". Its layers: "
                + layers().stream().map(Layer::name).toList());
    }

    /** The graph's nodes, inputs first; summary() and saving read the connections from them. */
    public final List<Node> nodes() { return nodes; }

    @Override
    public String kerasClassName() { return getClass() == Model.class ? "Functional" : getClass().getSimpleName(); }

    @Override
    protected boolean nestsWeightPaths() { return false; }

    @Override
    protected List<Layer> sublayers() { return layers(); }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        if (inputs.isEmpty()) return;
        if (shapes.size() != inputs.size()) {
            throw inputError("expects " + inputs.size() + " inputs of shapes " + inputShapes(), shapes.size() + " inputs of shapes " + shapes);
        }
        for (int i = 0; i < shapes.size(); i++) {
            if (!inputs.get(i).shape().isCompatibleWith(shapes.get(i))) {
                throw inputError("expects input " + i + " of shape " + inputs.get(i).shape(), shapes.get(i));
            }
        }
    }

    private List<Shape> inputShapes() { return inputs.stream().map(SymbolicTensor::shape).toList(); }

    @Override
    protected List<Tensor> call(List<Tensor> args, List<Tensor> masks, boolean training) {
        Map<SymbolicTensor, Tensor> values = new IdentityHashMap<>();
        Map<SymbolicTensor, Tensor> valueMasks = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(inputs.get(i), args.get(i).cast(inputs.get(i).dtype()));
            valueMasks.put(inputs.get(i), masks.get(i));
        }
        for (Node node : nodes) {
            var nodeInputs = new ArrayList<Tensor>();
            var nodeMasks = new ArrayList<Tensor>();
            for (SymbolicTensor in : node.inputs()) {
                nodeInputs.add(values.get(in));
                nodeMasks.add(valueMasks.get(in));
            }
            List<Tensor> results = node.layer().apply(nodeInputs, nodeMasks, training);
            for (int k = 0; k < results.size(); k++) {
                values.put(node.outputs().get(k), results.get(k));
                valueMasks.put(node.outputs().get(k), Masks.of(results.get(k)));
            }
        }
        return outputs.stream().map(values::get).toList();
    }

    /** The masks were attached to the outputs by the layers that made them. */
    @Override
    public List<Tensor> computeMasks(List<Tensor> args, List<Tensor> masks) { return null; }

    @Override
    public List<Shape> outputShapes(List<Shape> inputShapes) {
        Map<SymbolicTensor, Shape> shapes = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) shapes.put(inputs.get(i), inputShapes.get(i));
        for (Node node : nodes) {
            List<Shape> results = node.layer().outputShapes(node.inputs().stream().map(shapes::get).toList());
            for (int k = 0; k < results.size(); k++) shapes.put(node.outputs().get(k), results.get(k));
        }
        return outputs.stream().map(shapes::get).toList();
    }

    @Override
    public LayerConfig config() { return new Config(inputs, outputs); }

    // ---- inference ----

    /** The model's output for {@code x} in inference mode, without recording gradients. */
    public Tensor predict(Tensor x) {
        try (var ignored = Tensor.noGrad()) {
            return apply(x, false);
        }
    }

    /** The model's outputs for several inputs in inference mode, without recording gradients. */
    public List<Tensor> predict(List<Tensor> xs) {
        try (var ignored = Tensor.noGrad()) {
            return apply(xs, false);
        }
    }

    // ---- saving (dev.kiln.saving has the file format) ----

    /** Writes the architecture, the weights and metadata to one {@code .kiln} file, atomically. */
    public void save(Path path) { ModelFile.save(this, path); }

    /** The model saved at {@code path}, predicting exactly as the saved one did. */
    public static Model load(Path path) { return ModelFile.load(path); }

    /** Writes the weights alone, by path ({@code dense/kernel}), atomically. */
    public void saveWeights(Path path) { ModelFile.saveWeights(this, path); }

    /** Loads weights saved by {@link #saveWeights} or {@link #save}; any mismatch is an error and changes nothing. */
    public void loadWeights(Path path) { ModelFile.loadWeights(this, path); }

    /** The architecture as Keras-style JSON, without weights. */
    public String toJson() { return Serialization.toJson(this); }

    /** A new model, with fresh weights, from the JSON of {@link #toJson()}. */
    public static Model fromJson(String json) { return Serialization.fromJson(json); }

    // ---- summary ----

    /** Logs the Keras-style summary table at INFO. */
    public void summary() { LOG.info("{}", Summary.render(this)); }

    /** Prints the Keras-style summary table: layer (type), output shape, parameters, and totals. */
    public void summary(PrintStream out) { out.println(Summary.render(this)); }
}
