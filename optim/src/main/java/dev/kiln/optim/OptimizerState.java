package dev.kiln.optim;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of an optimizer's state, plain data detached from ND4J, so that a checkpoint can resume training
 * exactly: the iteration count and, for each parameter in the order the optimizer first saw it, its slots by Keras
 * name ("momentum", "velocity", ...) in a fixed order. Saving writes each slot as an array of its dtype and shape.
 * The learning rate and hyper-parameters are not part of it: they are in {@link Optimizer#config()}.
 *
 * @param name the Keras name of the optimizer that wrote the state ("adam", ...)
 * @param slots per parameter index, slot name → value; a map is empty for an optimizer without slots (plain SGD)
 */
public record OptimizerState(String name, long iterations, List<Map<String, Slot>> slots) {

    public OptimizerState {
        Objects.requireNonNull(name, "name");
        Check.nonNegative("iterations", iterations);
        var copies = new ArrayList<Map<String, Slot>>(slots.size());
        for (Map<String, Slot> named : slots) copies.add(Collections.unmodifiableMap(new LinkedHashMap<>(named)));
        slots = Collections.unmodifiableList(copies);
    }

    /** One slot of one parameter: its shape and dtype (the parameter's) and its values in row-major order. */
    public record Slot(Shape shape, DType dtype, double[] values) {
        public Slot {
            Objects.requireNonNull(shape, "shape");
            if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("Slots are float32 or float64. Received: dtype=" + dtype);
            if (values.length != shape.size()) {
                throw new IllegalArgumentException("A slot of shape " + shape + " needs " + shape.size() + " values. Received: "
                        + values.length + " values");
            }
            values = values.clone();
        }

        @Override
        public double[] values() { return values.clone(); }

        @Override
        public boolean equals(Object o) {
            return o instanceof Slot s && shape.equals(s.shape) && dtype == s.dtype && Arrays.equals(values, s.values);
        }

        @Override
        public int hashCode() { return Objects.hash(shape, dtype, Arrays.hashCode(values)); }

        @Override
        public String toString() { return "Slot" + shape + " " + dtype.kerasName(); }
    }
}
