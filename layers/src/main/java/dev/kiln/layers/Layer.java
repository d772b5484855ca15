package dev.kiln.layers;

import dev.kiln.core.DType;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.PredictionMemory;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The base of every layer and model: built once from its first input's shape, then called.
 *
 * <p><b>Lifecycle</b> (Keras's). A layer is constructed from its configuration only; users never pass input sizes.
 * The first {@code apply} builds it: {@link #build(Shape)} creates the weights with {@link #addWeight}, knowing the
 * input shape (batch dimension {@link Shape#UNKNOWN} when built symbolically). Each {@code apply} on real tensors
 * then runs {@link #call(Tensor, boolean)}. Applied to a {@link SymbolicTensor} (the functional API) a layer builds,
 * computes its output shapes with {@link #outputShape(Shape)} and records a {@link Node}; no data flows, and shape
 * errors surface right there, naming the layer.
 *
 * <p><b>Override points</b>, from the common to the general: {@code build(Shape)}, {@code call(Tensor, boolean)},
 * {@code outputShape(Shape)} and {@code config()} for a one-input layer; {@code call(Tensor, Tensor mask, boolean)}
 * for a layer that reads the mask; {@code build(List)}, {@code call(List, List, boolean)} and
 * {@code outputShapes(List)} for several inputs or outputs (merge layers, recurrent layers with states);
 * {@link #supportsMasking()} / {@link #computeMask(Tensor, Tensor)} for masks; {@link #checkInputShape(Shape)} for
 * the input checks that run before every build and call.
 *
 * <p><b>Masks</b>: see {@link Masks}. A layer that {@link #supportsMasking() supports masking} passes its input's
 * mask on unchanged unless it overrides {@code computeMask}; one that does not drops it.
 *
 * <p><b>Weights</b> are ordered as Keras orders them: this layer's trainable weights in creation order, then its
 * non-trainable ones, then those of its sublayers. Sublayers are found automatically: every non-static field of a
 * layer holding a Layer, or a collection, map or array of them, is tracked (so a Model, a Bidirectional wrapper or
 * a TransformerBlock exposes its parts' weights), in field declaration order.
 *
 * <p><b>Names</b> default to the snake_case of the Keras class name, numbered per name as Keras does
 * ({@code dense}, {@code dense_1}, ...); {@link #resetNames()} restarts the counters (Keras's {@code clear_session}).
 *
 * <p><b>Losses</b> added during a call ({@link #addLoss}, activity regularizers) and the penalties of the trainable
 * weights' regularizers are collected by {@link #losses()}, which the trainer adds to the loss.
 */
public abstract class Layer {

    private static final Map<String, Integer> NAME_COUNTS = new HashMap<>();
    private static final ThreadLocal<ArrayDeque<String>> NAME_SCOPE = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<long[]> CALL_STATE = ThreadLocal.withInitial(() -> new long[2]);  // {depth, id}
    private static final AtomicLong CALLS = new AtomicLong();
    private static final ClassValue<List<Field>> LAYER_FIELDS = new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) { return layerFields(type); }
    };

    private String name;
    private final DType dtype = Kiln.floatx();
    private boolean trainable = true;
    private boolean built;
    private List<Shape> buildShapes;
    private final List<Weight> ownWeights = new ArrayList<>();
    private final List<Node> inboundNodes = new ArrayList<>();
    private final List<Tensor> callLosses = new ArrayList<>();
    private long lossCall = -1;   // the outermost call in which callLosses were added
    private long lastCall = -1;   // the latest outermost call this layer took part in

    protected Layer() { this.name = uniqueName(snakeCase(kerasClassName())); }

    // ---- identity ----

    /** The layer's name: unique per model, the first part of its weights' paths. */
    public final String name() { return name; }

    /** Renames this layer (before it is built, so that its weight paths carry the name) and returns it. */
    @SuppressWarnings("unchecked")
    public final <L extends Layer> L named(String newName) {
        if (newName == null || newName.isBlank() || newName.contains("/")) {
            throw new IllegalArgumentException("A layer name must be non-empty and contain no '/'. Received: '" + newName + "'");
        }
        if (built && !ownWeights.isEmpty()) {
            throw new IllegalStateException(describe() + " is already built; name it before its first use");
        }
        this.name = newName;
        return (L) this;
    }

    /** The Keras class name, as saved and shown by summary(): "Dense", "Conv1D", "Functional". */
    public String kerasClassName() { return getClass().getSimpleName(); }

    /** The float type of this layer's weights: {@link Kiln#floatx()} when the layer was constructed. */
    public final DType dtype() { return dtype; }

    public abstract LayerConfig config();

    /** Restarts the per-name counters, so the next Dense is named "dense" again (tests, notebooks). */
    public static void resetNames() {
        synchronized (NAME_COUNTS) { NAME_COUNTS.clear(); }
    }

    private static String uniqueName(String base) {
        synchronized (NAME_COUNTS) {
            int count = NAME_COUNTS.merge(base, 1, Integer::sum);
            return count == 1 ? base : base + "_" + (count - 1);
        }
    }

    /** Keras's to_snake_case: "GlobalMaxPooling1D" → "global_max_pooling1d", "Conv1D" → "conv1d". */
    static String snakeCase(String className) {
        String s = className.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** "Conv1D 'conv1d'": how errors name a layer. */
    protected final String describe() { return kerasClassName() + " '" + name + "'"; }

    /** An error about an input shape: "Conv1D 'conv1d' expects input of rank 3 [batch, steps, channels]. Received: [32, 100]". */
    protected final IllegalArgumentException inputError(String expectation, Object received) {
        return new IllegalArgumentException(describe() + " " + expectation + ". Received: " + received);
    }

    @Override
    public String toString() { return describe(); }

    // ---- building ----

    /** Creates the weights for inputs of {@code inputShape}; called once, before the first call. */
    protected void build(Shape inputShape) {}

    /** Multi-input form of {@link #build(Shape)}; the default requires exactly one input. */
    protected void build(List<Shape> inputShapes) { build(single(inputShapes)); }

    /** Builds this layer for inputs of these shapes unless it is built already (Keras's {@code _maybe_build}). */
    public final void maybeBuild(List<Shape> inputShapes) {
        if (built) return;
        enterScope();
        try {
            PredictionMemory.outside(() -> {          // what build makes lives on, even when predict builds it
                buildOnce(inputShapes);
                return null;
            });
        } finally {
            exitScope();
        }
    }

    /** Runs build(); a failed build leaves no half-made weights behind. */
    private void buildOnce(List<Shape> inputShapes) {
        try {
            build(inputShapes);
        } catch (RuntimeException e) {
            ownWeights.clear();
            throw e;
        }
        if (!built) markBuilt(inputShapes);
    }

    public final void maybeBuild(Shape inputShape) { maybeBuild(List.of(inputShape)); }

    /** Records that this layer is built for these input shapes (a functional model is built when constructed). */
    protected final void markBuilt(List<Shape> inputShapes) {
        buildShapes = List.copyOf(inputShapes);
        built = true;
    }

    public final boolean built() { return built; }

    /** The input shapes this layer was built for (Keras's build config), or null before it is built. */
    public final List<Shape> buildShapes() { return buildShapes; }

    /** Checks an input shape before every build and call; the default accepts anything. */
    protected void checkInputShape(Shape inputShape) {}

    /** Multi-input form of {@link #checkInputShape(Shape)}; the default requires exactly one input. */
    protected void checkInputShapes(List<Shape> inputShapes) { checkInputShape(single(inputShapes)); }

    private Shape single(List<Shape> shapes) {
        if (shapes.size() != 1) throw inputError("takes exactly one input", shapes.size() + " inputs with shapes " + shapes);
        return shapes.get(0);
    }

    /** Whether weight paths nest under this layer's name; a model's layers keep their own paths. */
    protected boolean nestsWeightPaths() { return true; }

    private void enterScope() { if (nestsWeightPaths()) NAME_SCOPE.get().push(name); }

    private void exitScope() { if (nestsWeightPaths()) NAME_SCOPE.get().pop(); }

    // ---- weights ----

    /** Creates a trainable weight (Keras's {@code add_weight}) in {@link Kiln#floatx()} and returns it. */
    protected final Tensor addWeight(String weightName, Shape shape, Initializer initializer) {
        return addWeight(weightName, shape, initializer, null, null);
    }

    /** Creates a trainable weight with a regularizer and a constraint (either may be null) and returns it. */
    protected final Tensor addWeight(String weightName, Shape shape, Initializer initializer, Regularizer regularizer,
                                     Constraint constraint) {
        return createWeight(weightName, shape, initializer, true, regularizer, constraint);
    }

    /** Creates a weight no optimizer updates (moving statistics) and returns it. */
    protected final Tensor addNonTrainableWeight(String weightName, Shape shape, Initializer initializer) {
        return createWeight(weightName, shape, initializer, false, null, null);
    }

    private Tensor createWeight(String weightName, Shape shape, Initializer initializer, boolean isTrainable,
                                Regularizer regularizer, Constraint constraint) {
        if (!shape.isFullyKnown()) {
            throw new IllegalArgumentException(describe() + " cannot create weight '" + weightName + "' of shape " + shape
                    + ": every dimension must be known. Its input shapes: " + buildShapes);
        }
        for (Weight w : ownWeights) {
            if (w.name().equals(weightName)) throw new IllegalArgumentException(describe() + " already has a weight named '" + weightName + "'");
        }
        var scope = new ArrayList<>(NAME_SCOPE.get());
        Collections.reverse(scope);
        if (scope.isEmpty() || !scope.get(scope.size() - 1).equals(name)) scope.add(name);
        Tensor value = Tensor.parameter(shape, initializer, dtype);
        ownWeights.add(new Weight(weightName, String.join("/", scope) + "/" + weightName, value, isTrainable, regularizer, constraint));
        return value;
    }

    /** All weights with their names and paths, in Keras order, each once (shared sublayers included once). */
    public final List<Weight> namedWeights() {
        var result = new ArrayList<Weight>();
        var seen = Collections.newSetFromMap(new IdentityHashMap<Tensor, Boolean>());
        collectWeights(result, seen, Collections.newSetFromMap(new IdentityHashMap<>()));
        return result;
    }

    private void collectWeights(List<Weight> into, Set<Tensor> seen, Set<Layer> visited) {
        if (!visited.add(this)) return;
        for (Weight w : ownWeights) if (w.trainable() && seen.add(w.value())) into.add(w);
        for (Weight w : ownWeights) if (!w.trainable() && seen.add(w.value())) into.add(w);
        for (Layer sub : sublayers()) sub.collectWeights(into, seen, visited);
    }

    /** All weight tensors in Keras order: what saving writes and {@link #setWeights} expects. */
    public final List<Tensor> weights() { return namedWeights().stream().map(Weight::value).toList(); }

    /** The weights an optimizer updates: none when this layer is frozen. */
    public final List<Tensor> trainableWeights() {
        var result = new ArrayList<Tensor>();
        collectTrainable(result, Collections.newSetFromMap(new IdentityHashMap<>()), Collections.newSetFromMap(new IdentityHashMap<>()));
        return result;
    }

    private void collectTrainable(List<Tensor> into, Set<Tensor> seen, Set<Layer> visited) {
        if (!trainable || !visited.add(this)) return;
        for (Weight w : ownWeights) if (w.trainable() && seen.add(w.value())) into.add(w.value());
        for (Layer sub : sublayers()) sub.collectTrainable(into, seen, visited);
    }

    /** The weights no optimizer updates: moving statistics, and every weight of a frozen layer. */
    public final List<Tensor> nonTrainableWeights() {
        var trainableSet = Collections.newSetFromMap(new IdentityHashMap<Tensor, Boolean>());
        trainableSet.addAll(trainableWeights());
        return weights().stream().filter(w -> !trainableSet.contains(w)).toList();
    }

    /** Overwrites the weights in place, in {@link #weights()} order (Keras's {@code set_weights}). */
    public final void setWeights(List<Tensor> values) {
        List<Weight> current = namedWeights();
        String expected = current.stream().map(w -> w.name() + " " + w.value().shape()).collect(Collectors.joining(", ", "[", "]"));
        if (values.size() != current.size()) {
            throw new IllegalArgumentException(describe() + " has " + current.size() + " weights " + expected + ". Received "
                    + values.size() + ": " + values.stream().map(Tensor::shape).toList());
        }
        for (int i = 0; i < values.size(); i++) {
            if (!values.get(i).shape().equals(current.get(i).value().shape())) {
                throw new IllegalArgumentException(describe() + " weight '" + current.get(i).path() + "' has shape "
                        + current.get(i).value().shape() + ". Received: " + values.get(i).shape());
            }
        }
        for (int i = 0; i < values.size(); i++) current.get(i).value().assign(values.get(i));
    }

    /** The number of weight elements (Keras's {@code count_params}); the layer must be built. */
    public final long countParams() {
        if (!built) throw new IllegalStateException(describe() + " is not built yet, so it has no weights to count");
        return weights().stream().mapToLong(w -> w.shape().size()).sum();
    }

    public final boolean trainable() { return trainable; }

    /** Freezes ({@code false}) or unfreezes this layer and all its sublayers, as Keras's {@code layer.trainable}. */
    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
        for (Layer sub : sublayers()) sub.setTrainable(trainable);
    }

    /** Projects every trainable weight that has a constraint back onto it; the trainer calls this after each step. */
    public final void applyConstraints() {
        var trainableSet = Collections.newSetFromMap(new IdentityHashMap<Tensor, Boolean>());
        trainableSet.addAll(trainableWeights());
        try (var ignored = Tensor.noGrad()) {
            for (Weight w : namedWeights()) {
                if (w.constraint() != null && trainableSet.contains(w.value())) w.value().assign(w.constraint().apply(w.value()));
            }
        }
    }

    /** The layers this layer is made of, found in its fields (see the class comment). */
    protected List<Layer> sublayers() {
        var found = new ArrayList<Layer>();
        for (Field field : LAYER_FIELDS.get(getClass())) {
            try {
                addLayers(field.get(this), found);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("Cannot read field " + field + " to track its layers", e);
            }
        }
        return found;
    }

    private void addLayers(Object value, List<Layer> into) {
        if (value instanceof Layer layer) {
            if (layer != this && !into.contains(layer)) into.add(layer);
        } else if (value instanceof Collection<?> items) {
            for (Object item : items) addLayers(item, into);
        } else if (value instanceof Map<?, ?> map) {
            for (Object item : map.values()) addLayers(item, into);
        } else if (value instanceof Layer[] array) {
            for (Layer item : array) addLayers(item, into);
        }
    }

    private static List<Field> layerFields(Class<?> type) {
        if (type == Layer.class || type == Object.class) return List.of();
        var fields = new ArrayList<>(layerFields(type.getSuperclass()));
        for (Field f : type.getDeclaredFields()) {
            Class<?> t = f.getType();
            boolean mayHoldLayers = Layer.class.isAssignableFrom(t) || Collection.class.isAssignableFrom(t)
                    || Map.class.isAssignableFrom(t) || (t.isArray() && Layer.class.isAssignableFrom(t.getComponentType()))
                    || t == Object.class;
            if (mayHoldLayers && !Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                fields.add(f);
            }
        }
        return fields;
    }

    // ---- losses ----

    /** Adds a loss computed during {@code call} (Keras's {@code add_loss}); the trainer adds it to the loss. */
    protected final void addLoss(Tensor loss) {
        long current = CALL_STATE.get()[1];
        if (lossCall != current) {
            callLosses.clear();
            lossCall = current;
        }
        callLosses.add(loss);
    }

    /** The penalty applied to this layer's outputs (Keras's {@code activity_regularizer}); null for none. */
    protected Regularizer activityRegularizer() { return null; }

    /**
     * The losses of the latest forward pass through this layer (added by it and its sublayers during that pass)
     * plus the regularization penalties of its trainable weights, each a scalar tensor. Read them in the same step:
     * the trainer's memory scope frees them when the step ends.
     */
    public final List<Tensor> losses() {
        var result = new ArrayList<Tensor>();
        var layers = new ArrayList<Layer>();
        collectLayers(layers, Collections.newSetFromMap(new IdentityHashMap<>()));
        for (Layer layer : layers) if (layer.lossCall == lastCall && lastCall >= 0) result.addAll(layer.callLosses);
        var trainableSet = Collections.newSetFromMap(new IdentityHashMap<Tensor, Boolean>());
        trainableSet.addAll(trainableWeights());
        for (Weight w : namedWeights()) {
            if (w.regularizer() != null && trainableSet.contains(w.value())) result.add(w.regularizer().apply(w.value()));
        }
        return result;
    }

    private void collectLayers(List<Layer> into, Set<Layer> visited) {
        if (!visited.add(this)) return;
        into.add(this);
        for (Layer sub : sublayers()) sub.collectLayers(into, visited);
    }

    // ---- applying ----

    /**
     * Whether the parts of a batch may run through this layer side by side in inference mode, on several threads at
     * once ({@code SideBySide}): true for Kiln's own layers and models, unless they keep state from call to
     * call (stateful RNNs) or add losses as they run, and only when all their sublayers may too. Layers and models of
     * other packages run whole, since nothing says their {@code call} is safe on two threads at once.
     */
    public boolean predictsInParts() {
        String where = getClass().getPackageName();
        if (!where.equals("dev.kiln.layers") && !where.equals("dev.kiln.models")) return false;
        if (activityRegularizer() != null) return false;
        for (Layer sub : sublayers()) if (!sub.predictsInParts()) return false;
        return true;
    }

    /** Applies this layer in inference mode ({@code training = false}). */
    public final Tensor apply(Tensor inputs) { return apply(inputs, false); }

    /** Applies this layer to one input; its mask, if it carries one, is passed along. */
    public final Tensor apply(Tensor inputs, boolean training) { return apply(inputs, Masks.of(inputs), training); }

    /** Applies this layer to one input with an explicit mask ([B, T] of 1.0/0.0, or null). */
    public final Tensor apply(Tensor inputs, Tensor mask, boolean training) {
        var masks = new ArrayList<Tensor>(1);
        masks.add(mask);
        return only(apply(List.of(inputs), masks, training));
    }

    /** Applies this layer to several inputs (or one input giving several outputs); returns every output. */
    public final List<Tensor> apply(List<Tensor> inputs, boolean training) { return apply(inputs, Masks.of(inputs), training); }

    /**
     * The general form: builds on first use, checks the input shapes, runs {@code call}, attaches the output masks
     * and collects the activity regularization. {@code masks} has one entry (possibly null) per input.
     */
    public final List<Tensor> apply(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        if (inputs.isEmpty()) throw inputError("needs at least one input", "none");
        if (masks.size() != inputs.size()) throw inputError("needs one mask (or null) per input", masks.size() + " masks for " + inputs.size() + " inputs");
        List<Shape> shapes = inputs.stream().map(Tensor::shape).toList();
        checkInputShapes(shapes);
        long[] state = CALL_STATE.get();
        if (state[0]++ == 0) state[1] = CALLS.incrementAndGet();
        lastCall = state[1];
        enterScope();
        try {
            if (!built) buildOnce(shapes);
            List<Tensor> outputs = call(inputs, masks, training);
            List<Tensor> outputMasks = computeMasks(inputs, masks);
            for (int i = 0; i < outputs.size(); i++) {
                if (outputMasks != null && i < outputMasks.size()) Masks.attach(outputs.get(i), outputMasks.get(i));
                if (activityRegularizer() != null) addLoss(activityRegularizer().apply(outputs.get(i)));
            }
            return outputs;
        } finally {
            exitScope();
            state[0]--;
        }
    }

    private Tensor only(List<Tensor> outputs) {
        if (outputs.size() != 1) {
            throw new IllegalStateException(describe() + " has " + outputs.size() + " outputs; use apply(List, training) to get all of them");
        }
        return outputs.get(0);
    }

    /** Records this layer in the functional graph: builds it and returns its only output, symbolically. */
    public final SymbolicTensor apply(SymbolicTensor... inputs) {
        List<SymbolicTensor> outputs = apply(List.of(inputs));
        if (outputs.size() != 1) {
            throw new IllegalStateException(describe() + " has " + outputs.size() + " outputs; use apply(List) to get all of them");
        }
        return outputs.get(0);
    }

    /** Records this layer in the functional graph: builds it, computes and returns every output symbolically. */
    public final List<SymbolicTensor> apply(List<SymbolicTensor> inputs) {
        if (inputs.isEmpty()) throw inputError("needs at least one input", "none");
        List<Shape> shapes = inputs.stream().map(SymbolicTensor::shape).toList();
        checkInputShapes(shapes);
        maybeBuild(shapes);
        var node = new Node(this, inputs, outputShapes(shapes), dtype);
        registerNode(node);
        return node.outputs();
    }

    final void registerNode(Node node) { inboundNodes.add(node); }

    /** The graph nodes in which this layer was applied to symbolic tensors, oldest first. */
    public final List<Node> inboundNodes() { return Collections.unmodifiableList(inboundNodes); }

    /** The forward pass for one input; override this (or a more general form). */
    protected Tensor call(Tensor inputs, boolean training) {
        throw new UnsupportedOperationException(describe() + " does not implement call(Tensor, boolean)");
    }

    /** The forward pass for one input with its mask (null when none); the default ignores the mask. */
    protected Tensor call(Tensor inputs, Tensor mask, boolean training) { return call(inputs, training); }

    /** The forward pass for several inputs or outputs; the default requires one input and gives one output. */
    protected List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        if (inputs.size() != 1) throw inputError("takes exactly one input", inputs.size() + " inputs");
        return List.of(call(inputs.get(0), masks.get(0), training));
    }

    /** The output shape for an input shape (batch dimension possibly {@link Shape#UNKNOWN}). */
    public Shape outputShape(Shape inputShape) {
        throw new UnsupportedOperationException(describe() + " does not implement outputShape(Shape)");
    }

    /** The output shapes for several inputs; the default requires one input and gives one output. */
    public List<Shape> outputShapes(List<Shape> inputShapes) { return List.of(outputShape(single(inputShapes))); }

    // ---- masks ----

    /** Whether this layer passes masks on; Keras's {@code supports_masking}. Default false: masks are dropped. */
    public boolean supportsMasking() { return false; }

    /** The mask of the output, given the input and its mask (null: none). */
    public Tensor computeMask(Tensor inputs, Tensor mask) { return supportsMasking() ? mask : null; }

    /**
     * One mask per output (null entries or a null list: none). The default uses {@link #computeMask(Tensor, Tensor)}
     * for one input and, for several inputs of a layer that supports masking, ANDs the masks present.
     */
    public List<Tensor> computeMasks(List<Tensor> inputs, List<Tensor> masks) {
        var result = new ArrayList<Tensor>(1);
        if (inputs.size() == 1) result.add(computeMask(inputs.get(0), masks.get(0)));
        else result.add(supportsMasking() ? Masks.and(masks) : null);
        return result;
    }
}
