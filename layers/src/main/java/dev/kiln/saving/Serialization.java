package dev.kiln.saving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.layers.InputLayer;
import dev.kiln.layers.Layer;
import dev.kiln.layers.LayerConfig;
import dev.kiln.layers.Node;
import dev.kiln.layers.SymbolicTensor;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A model's architecture as JSON, Keras-style, and back: what {@code config.json} holds and what
 * {@link Model#toJson()} / {@link Model#fromJson(String)} exchange. No weights.
 *
 * <p>A layer is {@code {"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32",
 * "units": 16, "activation": "relu", ...}}}: its name, trainable flag and dtype, then its config record's components
 * (see {@link ConfigCodec}); it is rebuilt by the constructor taking that record, the class found in
 * {@link LayerRegistry}.
 *
 * <p>A {@code Sequential}'s config lists its layers, its InputLayer first when it has one. A functional model
 * ("Functional") lists its layers, each with its {@code "inbound_nodes"}: one entry per call of the layer in this
 * model, holding the tensors it was called on as {@code [layer name, node index, tensor index]} (Keras's
 * {@code keras_history}); node indices count a layer's calls within this model, an InputLayer's output being
 * {@code [name, 0, 0]}. {@code "input_layers"} and {@code "output_layers"} give the model's endpoints the same way.
 * A layer called twice (shared) is listed once with two inbound nodes; a nested model is a layer whose config is a
 * model config.
 */
public final class Serialization {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> BASE_KEYS = Set.of("name", "trainable", "dtype");

    private final ConfigCodec codec = new ConfigCodec(new ConfigCodec.LayerCodec() {
        @Override
        public ObjectNode encodeLayer(Layer layer) { return Serialization.this.encodeLayer(layer); }

        @Override
        public Layer decodeLayer(JsonNode node, String where) { return Serialization.this.decodeLayer(node, where); }
    });
    private final Set<Layer> written = Collections.newSetFromMap(new IdentityHashMap<>());

    private Serialization() {}

    /** The model's architecture as indented JSON. */
    public static String toJson(Model model) {
        try {
            return MAPPER.writeValueAsString(serialize(model));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write the architecture of " + model + " as JSON", e);
        }
    }

    /** A new model, with freshly initialized weights, from the JSON of {@link #toJson(Model)}. */
    public static Model fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException("The architecture is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return toModel(deserialize(root), "the architecture");
    }

    /** The layer (or model) as a {@code {"class_name", "config"}} JSON object. */
    public static ObjectNode serialize(Layer layer) { return new Serialization().encodeLayer(layer); }

    /** A new layer (or model) from the JSON of {@link #serialize(Layer)}. */
    public static Layer deserialize(JsonNode json) { return new Serialization().decodeLayer(json, "config"); }

    static Model toModel(Layer layer, String source) {
        if (layer instanceof Model model) return model;
        throw new ModelFileException(source + " describes a " + layer.kerasClassName() + " layer, not a model");
    }

    // ---- writing ----

    private ObjectNode encodeLayer(Layer layer) {
        if (!written.add(layer)) {
            throw new IllegalArgumentException("Cannot save " + layer + ": it is used in two places that are saved separately (for"
                    + " instance inside a nested model and outside it), and loading would give two layers with separate weights");
        }
        LayerConfig config = layer.config();
        ObjectNode body;
        if (layer instanceof Model model && config instanceof Model.Config) {
            body = functionalConfig(model);
        } else if (layer instanceof Sequential sequential && config instanceof Sequential.Config) {
            body = sequentialConfig(sequential);
        } else if (config instanceof Record record) {
            body = codec.encodeRecord(record, layer.kerasClassName() + " '" + layer.name() + "'");
        } else {
            throw new IllegalArgumentException("Cannot save " + layer + ": its config() must return a record implementing LayerConfig."
                    + " Received: " + (config == null ? "null" : config.getClass().getName()));
        }
        ObjectNode full = JSON.objectNode();
        full.put("name", layer.name());
        full.put("trainable", layer.trainable());
        if (!body.has("dtype")) full.put("dtype", layer.dtype().kerasName());
        body.fieldNames().forEachRemaining(key -> full.set(key, body.get(key)));
        ObjectNode out = JSON.objectNode();
        out.put("class_name", layer.kerasClassName());
        out.set("config", full);
        return out;
    }

    private ObjectNode sequentialConfig(Sequential model) {
        ArrayNode layers = JSON.arrayNode();
        if (!model.inputs().isEmpty()) layers.add(encodeLayer(model.inputs().get(0).layer()));
        for (Layer layer : model.layers()) layers.add(encodeLayer(layer));
        ObjectNode out = JSON.objectNode();
        out.set("layers", layers);
        return out;
    }

    private ObjectNode functionalConfig(Model model) {
        Set<Node> inModel = Collections.newSetFromMap(new IdentityHashMap<>());
        inModel.addAll(model.nodes());
        for (SymbolicTensor in : model.inputs()) {
            if (!(in.layer() instanceof InputLayer)) {
                throw new IllegalArgumentException("Cannot save " + model + ": its input " + in + " is not made by Input.of(...)");
            }
        }
        ArrayNode layers = JSON.arrayNode();
        for (Layer layer : model.layers()) {
            ObjectNode entry = encodeLayer(layer);
            entry.put("name", layer.name());
            ArrayNode inbound = entry.putArray("inbound_nodes");
            for (Node node : layer.inboundNodes()) {
                if (!inModel.contains(node)) continue;
                ArrayNode args = inbound.addArray();
                for (SymbolicTensor in : node.inputs()) args.add(reference(in, inModel));
            }
            layers.add(entry);
        }
        ObjectNode out = JSON.objectNode();
        out.set("layers", layers);
        out.set("input_layers", references(model.inputs(), inModel));
        out.set("output_layers", references(model.outputs(), inModel));
        return out;
    }

    private static ArrayNode references(List<SymbolicTensor> tensors, Set<Node> inModel) {
        ArrayNode out = JSON.arrayNode();
        for (SymbolicTensor t : tensors) out.add(reference(t, inModel));
        return out;
    }

    /** [layer name, index of the node among the layer's nodes in this model, index of the tensor among its outputs]. */
    private static ArrayNode reference(SymbolicTensor tensor, Set<Node> inModel) {
        int nodeIndex = 0;
        for (Node node : tensor.layer().inboundNodes()) {
            if (node == tensor.node()) break;
            if (inModel.contains(node)) nodeIndex++;
        }
        return JSON.arrayNode().add(tensor.layer().name()).add(nodeIndex).add(tensor.index());
    }

    // ---- reading ----

    private Layer decodeLayer(JsonNode node, String where) {
        if (!node.isObject()) throw invalid(where, "a layer {\"class_name\": ..., \"config\": {...}}", node);
        String className = text(node, "class_name", where);
        JsonNode config = node.get("config");
        if (config == null || !config.isObject()) throw invalid(where + ".config", "an object", config);
        String name = config.has("name") ? text(config, "name", where + ".config") : null;
        String here = where + " (" + className + (name == null ? "" : " '" + name + "'") + ")";   // how errors name it
        Class<? extends Layer> type = LayerRegistry.lookup(className);
        Constructor<? extends Layer> constructor;
        try {
            constructor = LayerRegistry.configConstructor(type);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(e.getMessage(), e);
        }
        Class<?> recordType = constructor.getParameterTypes()[0];
        Layer layer = withFloatx(floatDType(config, recordType, here), () -> {
            Object record;
            if (recordType == Model.Config.class) record = functionalGraph(config, where);
            else if (recordType == Sequential.Config.class) record = sequentialStack(config, where);
            else record = codec.decodeRecord(config, recordType.asSubclass(Record.class), here, BASE_KEYS);
            return construct(constructor, record, here);
        });
        if (name != null) layer.named(name);
        if (layer instanceof Sequential sequential && recordType == Sequential.Config.class) nameInput(sequential, config);
        JsonNode trainable = config.get("trainable");
        if (trainable != null && !trainable.isBoolean()) throw invalid(here + ".trainable", "true or false", trainable);
        if (trainable != null && !trainable.booleanValue()) layer.setTrainable(false);
        return layer;
    }

    /** The dtype new weights get: the saved one, unless "dtype" is the record's own setting (InputLayer's). */
    private static DType floatDType(JsonNode config, Class<?> recordType, String where) {
        JsonNode dtype = config.get("dtype");
        boolean ownSetting = recordType.isRecord()
                && java.util.Arrays.stream(recordType.getRecordComponents()).anyMatch(c -> c.getName().equals("dtype"));
        if (dtype == null || ownSetting) return Kiln.floatx();
        for (DType d : DType.values()) if (d.isFloatingPoint() && d.kerasName().equals(dtype.asText())) return d;
        throw invalid(where + ".dtype", "float32 or float64", dtype);
    }

    private static Layer construct(Constructor<? extends Layer> constructor, Object record, String where) {
        try {
            return constructor.newInstance(record);
        } catch (InvocationTargetException e) {
            throw new ModelFileException("Cannot rebuild " + where + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ModelFileException("Cannot rebuild " + where + ": " + e, e);
        }
    }

    /** Builds the layers with {@code dtype} as floatx, so that their weights have the saved dtype. */
    private static Layer withFloatx(DType dtype, Supplier<Layer> build) {
        DType previous = Kiln.floatx();
        Kiln.setFloatx(dtype);
        try {
            return build.get();
        } finally {
            Kiln.setFloatx(previous);
        }
    }

    private Sequential.Config sequentialStack(JsonNode config, String where) {
        JsonNode entries = array(config, "layers", where);
        var layers = new ArrayList<Layer>();
        InputLayer.Config input = null;
        for (int i = 0; i < entries.size(); i++) {
            Layer layer = decodeLayer(entries.get(i), where + ".layers[" + i + "]");
            if (layer instanceof InputLayer inputLayer && i == 0) input = inputLayer.config();
            else layers.add(layer);
        }
        return new Sequential.Config(layers, input);
    }

    /** Gives a Sequential's input layer its saved name (the Sequential made it from its config). */
    private static void nameInput(Sequential model, JsonNode config) {
        JsonNode first = config.path("layers").path(0);
        if (!model.inputs().isEmpty() && "InputLayer".equals(first.path("class_name").asText())) {
            JsonNode name = first.path("config").get("name");
            if (name != null && name.isTextual()) model.inputs().get(0).layer().named(name.textValue());
        }
    }

    /** Rebuilds the layers, then replays their calls on symbolic tensors until every node is connected. */
    private Model.Config functionalGraph(JsonNode config, String where) {
        JsonNode entries = array(config, "layers", where);
        Map<String, Layer> byName = new HashMap<>();
        Map<String, Map<Integer, List<SymbolicTensor>>> made = new HashMap<>();   // layer name → node index → outputs
        var pending = new ArrayList<PendingNode>();
        for (int i = 0; i < entries.size(); i++) {
            String here = where + ".layers[" + i + "]";
            JsonNode entry = entries.get(i);
            Layer layer = decodeLayer(entry, here);
            if (byName.putIfAbsent(layer.name(), layer) != null) {
                throw new ModelFileException("Invalid config at " + here + ": two layers are named '" + layer.name() + "'");
            }
            made.put(layer.name(), new HashMap<>());
            if (layer instanceof InputLayer input) made.get(layer.name()).put(0, List.of(input.output()));
            JsonNode inbound = entry.get("inbound_nodes");
            if (inbound == null) continue;
            if (!inbound.isArray()) throw invalid(here + ".inbound_nodes", "a list of nodes", inbound);
            for (int k = 0; k < inbound.size(); k++) pending.add(new PendingNode(layer, k, inbound.get(k), here + ".inbound_nodes[" + k + "]"));
        }
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (Iterator<PendingNode> it = pending.iterator(); it.hasNext(); ) {
                PendingNode node = it.next();
                List<SymbolicTensor> inputs = resolveAll(node.args(), made, node.where(), false);
                if (inputs == null) continue;
                List<SymbolicTensor> outputs;
                try {
                    outputs = node.layer().apply(inputs);
                } catch (RuntimeException e) {
                    throw new ModelFileException("Invalid config at " + node.where() + ": calling " + node.layer() + " fails: " + e.getMessage(), e);
                }
                made.get(node.layer().name()).put(node.index(), outputs);
                it.remove();
                progress = true;
            }
            if (!progress) {
                PendingNode stuck = pending.get(0);
                resolveAll(stuck.args(), made, stuck.where(), true);
                throw new ModelFileException("Invalid config at " + where + ": the graph has a cycle through " + stuck.layer());
            }
        }
        List<SymbolicTensor> inputs = resolveAll(array(config, "input_layers", where), made, where + ".input_layers", true);
        List<SymbolicTensor> outputs = resolveAll(array(config, "output_layers", where), made, where + ".output_layers", true);
        try {
            return new Model.Config(inputs, outputs);
        } catch (RuntimeException e) {
            throw new ModelFileException("Invalid config at " + where + ": " + e.getMessage(), e);
        }
    }

    private record PendingNode(Layer layer, int index, JsonNode args, String where) {}

    /** The tensors named by [layer, node, tensor] references; null while some are not made yet, unless {@code strict}. */
    private static List<SymbolicTensor> resolveAll(JsonNode refs, Map<String, Map<Integer, List<SymbolicTensor>>> made, String where,
                                                   boolean strict) {
        if (!refs.isArray()) throw invalid(where, "a list of [layer name, node index, tensor index]", refs);
        var out = new ArrayList<SymbolicTensor>();
        for (JsonNode ref : refs) {
            if (!ref.isArray() || ref.size() < 3 || !ref.get(0).isTextual() || !ref.get(1).canConvertToInt() || !ref.get(2).canConvertToInt()) {
                throw invalid(where, "[layer name, node index, tensor index]", ref);
            }
            String layer = ref.get(0).textValue();
            if (!made.containsKey(layer)) {
                throw new ModelFileException("Invalid config at " + where + ": it refers to a layer '" + layer + "' that the model does not have");
            }
            List<SymbolicTensor> outputs = made.get(layer).get(ref.get(1).intValue());
            if (outputs == null) {
                if (strict) throw new ModelFileException("Invalid config at " + where + ": it refers to call " + ref.get(1) + " of '" + layer
                        + "', which the model never makes");
                return null;
            }
            int index = ref.get(2).intValue();
            if (index < 0 || index >= outputs.size()) {
                throw new ModelFileException("Invalid config at " + where + ": '" + layer + "' has " + outputs.size() + " outputs. Received index " + index);
            }
            out.add(outputs.get(index));
        }
        return out;
    }

    private static String text(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) throw invalid(where + "." + key, "a string", value);
        return value.textValue();
    }

    private static JsonNode array(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null || !value.isArray()) throw invalid(where + "." + key, "a list", value);
        return value;
    }

    private static ModelFileException invalid(String where, String expected, JsonNode received) {
        return new ModelFileException("Invalid config at " + where + ": expected " + expected + ". Received: "
                + (received == null ? "nothing" : received));
    }
}
