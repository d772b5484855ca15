package dev.kiln.saving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Weight;
import dev.kiln.losses.Loss;
import dev.kiln.losses.LossConfig;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metrics;
import dev.kiln.models.CompileConfig;
import dev.kiln.models.Model;
import dev.kiln.optim.LearningRateSchedule;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.OptimizerConfig;
import dev.kiln.optim.OptimizerState;
import dev.kiln.optim.Optimizers;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a compiled model adds to its file so that training continues exactly: the compile settings
 * ({@code compile.json}: the optimizer's class and config, each output's loss class and config, the loss weights,
 * the metric names) and the optimizer's state ({@code optimizer.json}: its name, iteration count and, per parameter
 * in the optimizer's order, the weight's path and its slot names; the slots themselves as
 * {@code optimizer/<weight path>/<slot>.npy}).
 */
final class TrainingState {

    static final String COMPILE = "compile.json";
    static final String OPTIMIZER = "optimizer.json";
    static final String SLOTS = "optimizer/";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ConfigCodec CODEC = new ConfigCodec(new ConfigCodec.LayerCodec() {
        @Override
        public ObjectNode encodeLayer(dev.kiln.layers.Layer layer) {
            throw new IllegalArgumentException("An optimizer or loss config cannot hold a layer. Received: " + layer);
        }

        @Override
        public dev.kiln.layers.Layer decodeLayer(JsonNode node, String where) {
            throw new ModelFileException("Invalid config at " + where + ": an optimizer or loss config cannot hold a layer");
        }
    });

    private final CompileConfig compile;
    private final OptimizerState state;
    private final List<String> paths;   // the weight path of each of the optimizer's parameters, in its order

    private TrainingState(CompileConfig compile, OptimizerState state, List<String> paths) {
        this.compile = compile;
        this.state = state;
        this.paths = paths;
    }

    /** The compiled model's settings and optimizer state; every parameter of the optimizer must be a weight of the model. */
    static TrainingState of(Model model) {
        CompileConfig compile = model.compileConfig();
        Optimizer optimizer = compile.optimizer();
        Map<Tensor, String> pathOf = new IdentityHashMap<>();
        for (Weight w : model.namedWeights()) pathOf.put(w.value(), w.path());
        var paths = new ArrayList<String>();
        for (Tensor parameter : optimizer.parameters()) {
            String path = pathOf.get(parameter);
            if (path == null) {
                throw new IllegalArgumentException("Cannot save the optimizer state of " + model + ": its optimizer updates a tensor of shape "
                        + parameter.shape() + " that is not one of the model's weights");
            }
            paths.add(path);
        }
        return new TrainingState(compile, optimizer.state(), paths);
    }

    // ---- writing ----

    ObjectNode compileJson() {
        ObjectNode out = JSON.objectNode();
        out.set("optimizer", tagged(compile.optimizer().getClass().getSimpleName(), (Record) compile.optimizer().config()));
        ArrayNode losses = out.putArray("losses");
        for (Loss loss : compile.losses()) losses.add(tagged(loss.getClass().getSimpleName(), (Record) loss.config()));
        ArrayNode weights = out.putArray("loss_weights");
        compile.lossWeights().forEach(weights::add);
        ArrayNode metrics = out.putArray("metrics");
        for (List<String> names : compile.metrics()) {
            ArrayNode list = metrics.addArray();
            names.forEach(list::add);
        }
        return out;
    }

    ObjectNode optimizerJson() {
        ObjectNode out = JSON.objectNode();
        out.put("name", state.name());
        out.put("iterations", state.iterations());
        ArrayNode parameters = out.putArray("parameters");
        for (int i = 0; i < paths.size(); i++) {
            ObjectNode parameter = parameters.addObject();
            parameter.put("path", paths.get(i));
            ArrayNode slots = parameter.putArray("slots");
            state.slots().get(i).keySet().forEach(slots::add);
        }
        return out;
    }

    /** Each slot's .npy bytes (encoded when asked), by entry name {@code optimizer/<path>/<slot>.npy}, in the optimizer's order. */
    Map<String, Supplier<byte[]>> slotArrays() {
        Map<String, Supplier<byte[]>> out = new LinkedHashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            for (var slot : state.slots().get(i).entrySet()) {
                OptimizerState.Slot s = slot.getValue();
                out.put(SLOTS + paths.get(i) + "/" + slot.getKey() + ModelFile.NPY, () -> Npy.encode(s.shape(), s.dtype(), s.values()));
            }
        }
        return out;
    }

    private static ObjectNode tagged(String className, Record config) {
        ObjectNode out = JSON.objectNode();
        out.put("class_name", className);
        out.set("config", CODEC.encodeRecord(config, className));
        return out;
    }

    // ---- reading ----

    /**
     * The compile settings of {@code compile.json}, with a new optimizer (without state). Metric names Kiln cannot
     * rebuild are left out and listed in {@code dropped}; an unknown optimizer or loss class is an error.
     */
    static CompileConfig readCompile(JsonNode json, List<String> dropped) {
        Optimizer optimizer = optimizerFrom(json.path("optimizer"));
        var losses = new ArrayList<Loss>();
        for (JsonNode loss : array(json, "losses")) losses.add(lossFrom(loss));
        var weights = new ArrayList<Double>();
        for (JsonNode w : array(json, "loss_weights")) {
            if (!w.isNumber()) throw invalid("loss_weights", "numbers", json.get("loss_weights"));
            weights.add(w.doubleValue());
        }
        var metrics = new ArrayList<List<String>>();
        for (JsonNode names : array(json, "metrics")) {
            var kept = new ArrayList<String>();
            for (JsonNode name : names) {
                try {
                    Metrics.resolve(name.asText(), losses.get(Math.min(metrics.size(), losses.size() - 1)));
                    kept.add(name.asText());
                } catch (IllegalArgumentException e) {
                    dropped.add(name.asText());
                }
            }
            metrics.add(kept);
        }
        try {
            return new CompileConfig(optimizer, losses, weights, metrics);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException("Invalid " + COMPILE + ": " + e.getMessage(), e);
        }
    }

    /** The learning rate saved for an optimizer of {@code optimizer}'s class (it may have changed in training); null for another class. */
    static LearningRateSchedule readLearningRate(JsonNode json, Optimizer optimizer) {
        JsonNode node = json.path("optimizer");
        if (!optimizer.getClass().getSimpleName().equals(node.path("class_name").asText())) return null;
        var config = (OptimizerConfig<?>) CODEC.decodeRecord(node.path("config"), recordClass(optimizer.config()), COMPILE + ".optimizer", Set.of());
        return config.learningRate();
    }

    private static Optimizer optimizerFrom(JsonNode node) {
        String className = node.path("class_name").asText();
        Optimizer prototype;
        try {
            prototype = Optimizers.byName(className);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException("Cannot rebuild the optimizer of " + COMPILE + ": " + e.getMessage(), e);
        }
        var config = (OptimizerConfig<?>) CODEC.decodeRecord(node.path("config"), recordClass(prototype.config()), COMPILE + ".optimizer", Set.of());
        return config.create();
    }

    private static Loss lossFrom(JsonNode node) {
        String className = node.path("class_name").asText();
        Loss prototype;
        try {
            prototype = Losses.byName(className);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException("Cannot rebuild the loss of " + COMPILE + ": " + e.getMessage(), e);
        }
        var config = (LossConfig) CODEC.decodeRecord(node.path("config"), recordClass(prototype.config()), COMPILE + ".losses", Set.of());
        return config.create();
    }

    private static Class<? extends Record> recordClass(Object config) {
        if (config instanceof Record record) return record.getClass();
        throw new ModelFileException("Cannot rebuild " + config.getClass().getName() + ": its config is not a record");
    }

    /** A saved optimizer state and the model's parameters it belongs to, in the optimizer's order. */
    record Slots(OptimizerState state, List<Tensor> parameters) {}

    /**
     * The state of {@code optimizer.json} with its slot arrays, matched by path to the model's weights
     * ({@code byPath}: each weight under the path of its array in the file). Every problem (a path the model lacks, a
     * missing array, a wrong shape) is an error that names it.
     */
    static Slots readSlots(JsonNode json, Map<String, Npy.Array> arrays, Map<String, Tensor> byPath) {
        JsonNode iterations = json.get("iterations");
        if (iterations == null || !iterations.canConvertToLong() || iterations.longValue() < 0) {
            throw invalid("iterations", "a count >= 0", iterations);
        }
        var parameters = new ArrayList<Tensor>();
        var slots = new ArrayList<Map<String, OptimizerState.Slot>>();
        var problems = new ArrayList<String>();
        for (JsonNode parameter : array(json, "parameters")) {
            String path = parameter.path("path").asText();
            Tensor weight = byPath.get(path);
            if (weight == null) {
                problems.add("the model has no weight '" + path + "'");
                continue;
            }
            var named = new LinkedHashMap<String, OptimizerState.Slot>();
            for (JsonNode slotName : parameter.path("slots")) {
                String entry = path + "/" + slotName.asText();
                Npy.Array array = arrays.get(entry);
                if (array == null) problems.add("the slot array " + SLOTS + entry + ModelFile.NPY + " is missing");
                else if (!array.shape().equals(weight.shape())) {
                    problems.add("the slot " + entry + " has shape " + array.shape() + ", its weight " + weight.shape());
                } else if (!array.dtype().isFloatingPoint()) {
                    problems.add("the slot " + entry + " is " + array.dtype().kerasName() + ", not a float array");
                } else {
                    named.put(slotName.asText(), new OptimizerState.Slot(array.shape(), array.dtype(), array.values()));
                }
            }
            parameters.add(weight);
            slots.add(named);
        }
        if (!problems.isEmpty()) throw new ModelFileException("The optimizer state does not match the model: " + String.join("; ", problems));
        return new Slots(new OptimizerState(json.path("name").asText(), iterations.longValue(), slots), parameters);
    }

    private static JsonNode array(JsonNode json, String key) {
        JsonNode value = json.get(key);
        if (value == null || !value.isArray()) throw invalid(key, "a list", value);
        return value;
    }

    private static ModelFileException invalid(String key, String expected, JsonNode received) {
        return new ModelFileException("Invalid training state at '" + key + "': expected " + expected + ". Received: "
                + (received == null ? "nothing" : received));
    }
}
