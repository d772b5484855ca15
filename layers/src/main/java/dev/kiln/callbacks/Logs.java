package dev.kiln.callbacks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The values a training or evaluation step reports, by Keras's names: {@code loss}, metric names such as
 * {@code accuracy}, and {@code val_loss}, {@code val_accuracy} after validation. Insertion order is display order.
 */
public final class Logs {

    private final Map<String, Double> values = new LinkedHashMap<>();

    public Logs() {}

    public Logs(Map<String, Double> values) { this.values.putAll(values); }

    /** The value of {@code name}; an error lists the names there are. */
    public double get(String name) {
        Double value = values.get(name);
        if (value == null) throw new IllegalArgumentException("No '" + name + "' in the logs. Available: " + values.keySet());
        return value;
    }

    public boolean has(String name) { return values.containsKey(name); }

    public Logs put(String name, double value) {
        values.put(name, value);
        return this;
    }

    public Logs putAll(Logs other) {
        values.putAll(other.values);
        return this;
    }

    /** Every entry of {@code other} with {@code prefix} in front of its name: validation logs become {@code val_*}. */
    public Logs putAllPrefixed(String prefix, Logs other) {
        other.values.forEach((k, v) -> values.put(prefix + k, v));
        return this;
    }

    public void forEach(BiConsumer<String, Double> action) { values.forEach(action); }

    public Map<String, Double> asMap() { return java.util.Collections.unmodifiableMap(values); }

    public Logs copy() { return new Logs(values); }

    @Override
    public String toString() { return values.toString(); }
}
