package dev.kiln.models;

import dev.kiln.callbacks.Callback;
import dev.kiln.callbacks.CallbackList;
import dev.kiln.callbacks.History;
import dev.kiln.callbacks.Logs;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.PredictionMemory;
import dev.kiln.core.Shape;
import dev.kiln.core.SideBySide;
import dev.kiln.core.Tensor;
import dev.kiln.data.Batch;
import dev.kiln.data.Dataset;
import dev.kiln.layers.InputLayer;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerConfig;
import dev.kiln.layers.Masks;
import dev.kiln.layers.Node;
import dev.kiln.layers.SymbolicTensor;
import dev.kiln.losses.Loss;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metric;
import dev.kiln.metrics.Metrics;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Optimizers;
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
    private Compiled compiled;                // set by compile()
    private boolean stopTraining;

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

    // ---- training: Keras's compile / fit / evaluate / predict ----

    /** Sets the optimizer and the loss to train with (one loss for every output). */
    public void compile(Optimizer optimizer, Loss loss) { compile(optimizer, loss, new String[0]); }

    /** Sets the optimizer, the loss and the metrics to train with ({@code Metrics.accuracy()} is chosen from the loss). */
    public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        compile(optimizer, java.util.Collections.nCopies(outputCount(), loss), null,
                java.util.Arrays.stream(metrics).map(m -> Metrics.resolve(m, loss)).toList());
    }

    /** {@link #compile(Optimizer, Loss, Metric...)} by Keras names: {@code compile("adam", "binary_crossentropy", "accuracy")}. */
    public void compile(String optimizer, String loss, String... metrics) {
        compile(Optimizers.byName(optimizer), Losses.byName(loss), metrics);
    }

    /** {@link #compile(Optimizer, Loss, Metric...)} with metrics by Keras name ("accuracy" is chosen from the loss). */
    public void compile(Optimizer optimizer, Loss loss, String... metrics) {
        var perOutput = new ArrayList<List<Metric>>();
        for (int i = 0; i < outputCount(); i++) perOutput.add(java.util.Arrays.stream(metrics).map(m -> Metrics.resolve(m, loss)).toList());
        compiled = new Compiled(optimizer, java.util.Collections.nCopies(outputCount(), loss), java.util.Collections.nCopies(outputCount(), 1.0),
                perOutput, outputNames());
    }

    /**
     * The general form for several outputs: one loss per output, their weights in the total (null: all 1), and
     * metrics applied to every output (each output gets its own instances, so pass names or one output's worth).
     */
    public void compile(Optimizer optimizer, List<Loss> losses, List<Double> lossWeights, List<Metric> metrics) {
        int n = outputCount();
        if (losses.size() != n) throw new IllegalArgumentException("compile needs one loss per output: " + n + ". Received " + losses.size());
        if (lossWeights != null && lossWeights.size() != n) {
            throw new IllegalArgumentException("compile needs one loss weight per output: " + n + ". Received " + lossWeights.size());
        }
        if (n > 1 && !metrics.isEmpty()) {
            throw new IllegalArgumentException("With several outputs, pass metrics by name (compile(optimizer, loss, \"accuracy\")) "
                    + "so that each output gets its own");
        }
        compiled = new Compiled(optimizer, losses, lossWeights == null ? java.util.Collections.nCopies(n, 1.0) : lossWeights,
                List.of(metrics), outputNames());
    }

    private List<String> outputNames() {
        return outputs().isEmpty() ? List.of(name()) : outputs().stream().map(o -> o.node().layer().name()).toList();
    }

    /** The number of outputs; a Sequential not built yet has one. */
    private int outputCount() { return Math.max(1, outputs().size()); }

    /** What {@link #compile} was given, for saving (Keras's {@code get_compile_config}); null before compile. */
    public final CompileConfig compileConfig() {
        if (compiled == null) return null;
        var metricNames = compiled.metrics.stream().map(list -> list.stream().map(Metric::name).toList()).toList();
        return new CompileConfig(compiled.optimizer, compiled.losses, compiled.lossWeights, metricNames);
    }

    /** Compiles with a saved config, its metrics rebuilt by name (Keras's {@code compile_from_config}). */
    public final void compileFromConfig(CompileConfig config) {
        if (config.losses().size() != outputCount()) {
            throw new IllegalArgumentException(describe() + " has " + outputCount() + " outputs. Received a compile config with "
                    + config.losses().size() + " losses");
        }
        var metrics = new ArrayList<List<Metric>>();
        for (int i = 0; i < config.metrics().size(); i++) {
            Loss loss = config.losses().get(Math.min(i, config.losses().size() - 1));
            metrics.add(config.metrics().get(i).stream().map(name -> Metrics.resolve(name, loss)).toList());
        }
        compiled = new Compiled(config.optimizer(), config.losses(), config.lossWeights(), metrics, outputNames());
    }

    /** The optimizer given to {@link #compile}. */
    public final Optimizer optimizer() { return compiledOrThrow("optimizer").optimizer; }

    final Compiled compiledOrThrow(String method) {
        if (compiled == null) throw new IllegalStateException("You must call compile() before " + method + "() on " + describe());
        return compiled;
    }

    /** True once compiled. */
    public final boolean isCompiled() { return compiled != null; }

    /** Asks {@code fit} to stop after the current batch (what EarlyStopping and TerminateOnNaN do). */
    public final void setStopTraining(boolean stop) { stopTraining = stop; }

    public final boolean stopTraining() { return stopTraining; }

    /** Trains on {@code data} for {@code options.epochs()} epochs; returns the per-epoch logs. */
    public History fit(Dataset data, FitOptions options, Callback... callbacks) {
        return Trainer.fit(this, data, options, List.of(callbacks));
    }

    /** {@link #fit(Dataset, FitOptions, Callback...)} on arrays: features [N, ...] and labels [N, ...]. */
    public History fit(Tensor x, Tensor y, FitOptions options, Callback... callbacks) {
        return fit(Dataset.of(x, y), options, callbacks);
    }

    /** The loss and metrics on {@code data}, by name ({@code loss}, {@code accuracy}, ...), in batches of 32. */
    public Map<String, Double> evaluate(Dataset data) { return evaluate(data, 32); }

    public Map<String, Double> evaluate(Dataset data, int batchSize, Callback... callbacks) {
        return Trainer.evaluate(this, data, batchSize, new CallbackList(List.of(callbacks))).asMap();
    }

    public Map<String, Double> evaluate(Tensor x, Tensor y) { return evaluate(Dataset.of(x, y)); }

    /** The model's output for every sample of {@code x}, computed in batches of 32 in inference mode. */
    public Tensor predict(Tensor x) { return predict(x, 32); }

    public Tensor predict(Tensor x, int batchSize) {
        if (outputCount() != 1) throw new IllegalStateException(describe() + " has " + outputCount() + " outputs; use predict(Dataset, batchSize)");
        return Trainer.predict(this, Dataset.of(x, null), batchSize, new CallbackList(List.of())).get(0);
    }

    /** Every output for every sample of several inputs (in the model's input order), in batches of 32. */
    public List<Tensor> predict(List<Tensor> xs) {
        var named = new java.util.LinkedHashMap<String, Tensor>();
        for (int i = 0; i < xs.size(); i++) named.put("input_" + i, xs.get(i));
        return predict(Dataset.of(named, null), 32);
    }

    /** Every output for every sample of {@code data}. */
    public List<Tensor> predict(Dataset data, int batchSize, Callback... callbacks) {
        return Trainer.predict(this, data, batchSize, new CallbackList(List.of(callbacks)));
    }

    /** One optimization step on one batch; returns the running loss and metrics (Keras's train_on_batch). */
    public Map<String, Double> trainOnBatch(Tensor x, Tensor y) {
        compiledOrThrow("trainOnBatch").reset();
        try (var scope = MemoryScope.open()) {
            return trainStep(new Batch(0, List.of(x), y, null)).asMap();
        }
    }

    /** The loss and metrics of one batch, without training. */
    public Map<String, Double> testOnBatch(Tensor x, Tensor y) {
        compiledOrThrow("testOnBatch").reset();
        try (var ignored = Tensor.noGrad(); var scope = MemoryScope.open()) {
            return testStep(new Batch(0, List.of(x), y, null)).asMap();
        }
    }

    /** The model's output for one batch in inference mode (Keras's predict_on_batch), as {@link #predictStep}. */
    public Tensor predictOnBatch(Tensor x) {
        List<Tensor> outputs = predictBatch(new Batch(0, List.of(x), null, null));
        if (outputs.size() != 1) throw new IllegalStateException(describe() + " has " + outputs.size() + " outputs; use predict(Dataset, batchSize)");
        return outputs.get(0);
    }

    /**
     * {@link #predictStep} on one batch without recording gradients, its arrays carved from each thread's
     * {@link PredictionMemory} and the outputs copied out. A batch is cut into parts that run side by side when
     * {@link SideBySide} has threads to spare and the model {@link #predictsInParts} (once built, and for
     * inputs that carry no mask of their own), as Keras runs predict_step on each replica's share; the outputs are
     * the parts' outputs joined in order.
     */
    List<Tensor> predictBatch(Batch batch) {
        boolean divisible = built() && predictsInParts() && batch.inputs().stream().allMatch(x -> Masks.of(x) == null);
        int parts = divisible ? SideBySide.parts(batch.size()) : 1;
        try (var ignored = Tensor.noGrad(); var scope = MemoryScope.open()) {
            List<List<Tensor>> outputs = SideBySide.run(parts, part -> predictPart(batch, part, parts));
            for (int part = 1; part < parts; part++) MemoryScope.adopt(outputs.get(part).toArray(Tensor[]::new));
            var joined = new ArrayList<Tensor>();
            for (int k = 0; k < outputs.get(0).size(); k++) {
                int output = k;
                joined.add(parts == 1 ? outputs.get(0).get(k)
                        : Tensor.concat(0, outputs.stream().map(p -> p.get(output)).toArray(Tensor[]::new)));
            }
            return joined.stream().map(scope::keep).toList();
        }
    }

    /** The outputs for rows [B·part/parts, B·(part+1)/parts) of the batch, kept in the caller's scope (none on a worker). */
    private List<Tensor> predictPart(Batch batch, int part, int parts) {
        try (var ignored = Tensor.noGrad(); var scope = MemoryScope.open()) {
            Batch rows = batch;
            if (parts > 1) {
                long size = batch.size(), from = size * part / parts, to = size * (part + 1) / parts;
                rows = new Batch(batch.index(), batch.inputs().stream().map(x -> x.slice(0, from, to)).toList(), null, null);
            }
            try (var memory = PredictionMemory.open()) {
                return memory.detach(predictStep(rows)).stream().map(scope::keep).toList();
            }
        }
    }

    /**
     * One optimization step, as Keras's {@code train_step}: forward, loss, gradients, optimizer, constraints,
     * metrics. Override it for custom training; {@code fit} runs it inside the step's memory scope.
     */
    protected Logs trainStep(Batch batch) {
        List<Tensor> predictions = apply(batch.inputs(), true);
        List<Double> perOutput = compiled.needsPerOutputLosses() ? new ArrayList<>() : null;
        List<Tensor> labels = List.of(batch.labels());
        Tensor loss = compiled.totalLoss(labels, predictions, batch.sampleWeights(), losses(), perOutput);
        trainableWeights().forEach(Tensor::zeroGrad);
        loss.backward();
        compiled.optimizer.apply(trainableWeights());
        applyConstraints();
        return compiled.update(loss.item(), perOutput, labels, predictions, batch.sampleWeights(), batch.labels().size(0));
    }

    /** One evaluation step: forward in inference mode, loss and metrics. */
    protected Logs testStep(Batch batch) {
        List<Tensor> predictions = apply(batch.inputs(), false);
        List<Double> perOutput = compiled.needsPerOutputLosses() ? new ArrayList<>() : null;
        List<Tensor> labels = List.of(batch.labels());
        Tensor loss = compiled.totalLoss(labels, predictions, batch.sampleWeights(), losses(), perOutput);
        return compiled.update(loss.item(), perOutput, labels, predictions, batch.sampleWeights(), batch.labels().size(0));
    }

    /** One prediction step: the outputs for one batch in inference mode. */
    protected List<Tensor> predictStep(Batch batch) { return apply(batch.inputs(), false); }

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
