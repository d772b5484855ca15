package dev.kiln.saving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.Shape;
import dev.kiln.layers.Layer;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns config records into JSON and back, generically, by their components (Keras's {@code get_config} /
 * {@code from_config} without writing either). A record becomes an object whose keys are its component names in
 * snake_case ({@code kernelInitializer} → {@code "kernel_initializer"}); the values:
 * <ul>
 *   <li>numbers, booleans and strings as themselves; NaN and the infinities as the strings "NaN", "Infinity",
 *       "-Infinity"; null as null (a missing key reads as null, except for a primitive);
 *   <li>an enum by its Keras name ({@code kerasName()} when it has one, else its lower-case name): "relu", "same";
 *   <li>a {@link Shape} as a list with null for an unknown dimension: {@code [null, 100]};
 *   <li>a record declared as a sealed interface (Initializer, Regularizer, Constraint) as
 *       {@code {"class_name": "L2", "config": {"l2": 0.01}}}, the class name picking the permitted record;
 *   <li>a nested record as an object; a List as a list; a Layer through {@link LayerCodec} (wrapper layers).
 * </ul>
 */
final class ConfigCodec {

    /** How layers nested in a config (a wrapper's inner layer) are written and read. */
    interface LayerCodec {
        ObjectNode encodeLayer(Layer layer);

        Layer decodeLayer(JsonNode node, String where);
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final LayerCodec layers;

    ConfigCodec(LayerCodec layers) { this.layers = layers; }

    // ---- writing ----

    /** The components of {@code record} as a JSON object; {@code where} names it in errors. */
    ObjectNode encodeRecord(Record record, String where) {
        ObjectNode out = JSON.objectNode();
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            String key = snakeCase(component.getName());
            out.set(key, encode(read(component, record, where), component.getGenericType(), where + "." + key));
        }
        return out;
    }

    private JsonNode encode(Object value, Type type, String where) {
        if (value == null) return JSON.nullNode();
        Class<?> raw = rawClass(type);
        if (value instanceof Boolean b) return JSON.booleanNode(b);
        if (value instanceof Integer || value instanceof Long) return JSON.numberNode(((Number) value).longValue());
        if (value instanceof Double || value instanceof Float) return encodeDouble(((Number) value).doubleValue());
        if (value instanceof String s) return JSON.textNode(s);
        if (value instanceof Enum<?> e) return JSON.textNode(enumName(e));
        if (value instanceof Shape shape) {
            ArrayNode dims = JSON.arrayNode();
            for (long d : shape.dims()) {
                if (d == Shape.UNKNOWN) dims.addNull();
                else dims.add(d);
            }
            return dims;
        }
        if (value instanceof Layer layer) return layers.encodeLayer(layer);
        if (value instanceof List<?> list) {
            Type element = elementType(type, where);
            ArrayNode items = JSON.arrayNode();
            for (int i = 0; i < list.size(); i++) items.add(encode(list.get(i), element, where + "[" + i + "]"));
            return items;
        }
        if (value instanceof Record record) {
            if (raw.isRecord()) return encodeRecord(record, where);
            ObjectNode tagged = JSON.objectNode();
            tagged.put("class_name", record.getClass().getSimpleName());
            tagged.set("config", encodeRecord(record, where));
            return tagged;
        }
        throw new IllegalArgumentException("Cannot save " + where + ": a config value of type " + value.getClass().getName()
                + " is not one Kiln can write (numbers, booleans, strings, enums, Shape, records, sealed interfaces of records,"
                + " Lists, Layers)");
    }

    private static JsonNode encodeDouble(double v) {
        if (Double.isNaN(v)) return JSON.textNode("NaN");
        if (Double.isInfinite(v)) return JSON.textNode(v > 0 ? "Infinity" : "-Infinity");
        return JSON.numberNode(v);
    }

    private static Object read(RecordComponent component, Record record, String where) {
        try {
            Method accessor = component.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot read " + where + "." + component.getName() + " to save it: " + e, e);
        }
    }

    // ---- reading ----

    /**
     * The record of {@code type} whose components are the keys of {@code node}; keys in {@code ignored} belong to the
     * caller (the layer's name, trainable flag and dtype). An unknown key is an error, so nothing is silently lost.
     */
    <R extends Record> R decodeRecord(JsonNode node, Class<R> type, String where, Set<String> ignored) {
        if (!node.isObject()) throw invalid(where, "an object of " + type.getSimpleName() + "'s settings", node);
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : components) byKey.put(snakeCase(c.getName()), c);
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!byKey.containsKey(key) && !ignored.contains(key)) {
                throw new ModelFileException("Invalid config at " + where + ": unknown setting '" + key + "' for " + type.getSimpleName()
                        + ". Expected: " + byKey.keySet());
            }
        }
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            String key = snakeCase(components[i].getName());
            types[i] = components[i].getType();
            JsonNode value = node.get(key);
            if (value == null && types[i].isPrimitive()) {
                throw new ModelFileException("Invalid config at " + where + ": the setting '" + key + "' of " + type.getSimpleName() + " is missing");
            }
            args[i] = decode(value == null ? JSON.nullNode() : value, components[i].getGenericType(), where + "." + key);
        }
        try {
            Constructor<R> canonical = type.getDeclaredConstructor(types);
            canonical.setAccessible(true);
            return canonical.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new ModelFileException("Invalid config at " + where + ": " + type.getSimpleName() + " rejects it: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ModelFileException("Cannot rebuild " + type.getName() + " at " + where + ": " + e, e);
        }
    }

    private Object decode(JsonNode node, Type type, String where) {
        Class<?> raw = rawClass(type);
        if (node.isNull()) {
            if (raw.isPrimitive()) throw invalid(where, "a " + raw.getName(), node);
            return null;
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!node.isBoolean()) throw invalid(where, "true or false", node);
            return node.booleanValue();
        }
        if (raw == int.class || raw == Integer.class) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) throw invalid(where, "an integer", node);
            return node.intValue();
        }
        if (raw == long.class || raw == Long.class) {
            if (!node.isIntegralNumber() || !node.canConvertToLong()) throw invalid(where, "an integer", node);
            return node.longValue();
        }
        if (raw == double.class || raw == Double.class) return decodeDouble(node, where);
        if (raw == float.class || raw == Float.class) return (float) decodeDouble(node, where);
        if (raw == String.class) {
            if (!node.isTextual()) throw invalid(where, "a string", node);
            return node.textValue();
        }
        if (raw.isEnum()) return decodeEnum(node, raw, where);
        if (raw == Shape.class) return decodeShape(node, where);
        if (Layer.class.isAssignableFrom(raw)) {
            Layer layer = layers.decodeLayer(node, where);
            if (!raw.isInstance(layer)) throw invalid(where, "a layer of type " + raw.getSimpleName(), node);
            return layer;
        }
        if (raw == List.class) {
            if (!node.isArray()) throw invalid(where, "a list", node);
            Type element = elementType(type, where);
            var items = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) items.add(decode(node.get(i), element, where + "[" + i + "]"));
            return items;
        }
        if (raw.isRecord()) return decodeRecord(node, raw.asSubclass(Record.class), where, Set.of());
        if (raw.isSealed()) return decodeSealed(node, raw, where);
        throw new ModelFileException("Cannot read " + where + ": Kiln cannot read config values of type " + raw.getName());
    }

    private static double decodeDouble(JsonNode node, String where) {
        if (node.isNumber()) return node.doubleValue();
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw invalid(where, "a number", node);
    }

    private static Object decodeEnum(JsonNode node, Class<?> type, String where) {
        if (node.isTextual()) {
            for (Object constant : type.getEnumConstants()) {
                Enum<?> e = (Enum<?>) constant;
                if (enumName(e).equals(node.textValue()) || e.name().equals(node.textValue())) return e;
            }
        }
        throw invalid(where, "one of " + Arrays.stream(type.getEnumConstants()).map(c -> enumName((Enum<?>) c)).toList(), node);
    }

    private static Shape decodeShape(JsonNode node, String where) {
        if (!node.isArray()) throw invalid(where, "a shape (a list of sizes, null for unknown)", node);
        long[] dims = new long[node.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = node.get(i);
            if (d.isNull()) dims[i] = Shape.UNKNOWN;
            else if (d.isIntegralNumber() && d.longValue() >= Shape.UNKNOWN) dims[i] = d.longValue();
            else throw invalid(where, "a shape (a list of sizes, null for unknown)", node);
        }
        return Shape.of(dims);
    }

    /** {"class_name": "L2", "config": {...}}: the permitted record of the sealed type with that simple name. */
    private Object decodeSealed(JsonNode node, Class<?> type, String where) {
        JsonNode className = node.get("class_name");
        if (!node.isObject() || className == null || !className.isTextual()) {
            throw invalid(where, "{\"class_name\": ..., \"config\": {...}} naming a " + type.getSimpleName(), node);
        }
        List<Class<?>> candidates = new ArrayList<>();
        collectPermittedRecords(type, candidates);
        for (Class<?> candidate : candidates) {
            if (candidate.getSimpleName().equals(className.textValue())) {
                JsonNode config = node.get("config");
                return decodeRecord(config == null ? JSON.objectNode() : config, candidate.asSubclass(Record.class), where, Set.of());
            }
        }
        throw new ModelFileException("Invalid config at " + where + ": unknown " + type.getSimpleName() + " '" + className.textValue()
                + "'. Expected one of: " + candidates.stream().map(Class::getSimpleName).toList());
    }

    private static void collectPermittedRecords(Class<?> type, List<Class<?>> into) {
        if (type.isRecord()) {
            into.add(type);
        } else if (type.isSealed()) {
            for (Class<?> sub : type.getPermittedSubclasses()) collectPermittedRecords(sub, into);
        }
    }

    // ---- helpers ----

    /** "kernelInitializer" → "kernel_initializer", as Keras names its config keys. */
    static String snakeCase(String camel) {
        var out = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) out.append('_').append(Character.toLowerCase(c));
            else out.append(c);
        }
        return out.toString();
    }

    /** The Keras name of an enum constant: its {@code kerasName()} when it has one, else its lower-case name. */
    private static String enumName(Enum<?> constant) {
        try {
            Method kerasName = constant.getDeclaringClass().getMethod("kerasName");
            if (kerasName.getReturnType() == String.class) return (String) kerasName.invoke(constant);
        } catch (ReflectiveOperationException e) {
            // No kerasName(): the lower-case constant name is the Keras spelling ("fan_avg", "uniform").
        }
        return constant.name().toLowerCase(Locale.ROOT);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        return Object.class;
    }

    private static Type elementType(Type listType, String where) {
        if (listType instanceof ParameterizedType p) return p.getActualTypeArguments()[0];
        throw new IllegalArgumentException("Cannot handle " + where + ": a List config value needs its element type (List<Integer>, ...)");
    }

    private static ModelFileException invalid(String where, String expected, JsonNode received) {
        return new ModelFileException("Invalid config at " + where + ": expected " + expected + ". Received: " + received);
    }
}
