package dev.kiln.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One parameter's optimizer state: the named slot arrays an optimizer keeps across steps (saved by
 * {@link Optimizer#state()}), and reusable work buffers (not saved). Every array has the parameter's shape and dtype,
 * and lives as long as the optimizer: none is recorded in a {@code MemoryScope}.
 */
public final class Slots {

    private final INDArray variable;
    private final Map<String, INDArray> arrays = new LinkedHashMap<>();
    private INDArray scratch;
    private INDArray castGradient;

    /** Slots named {@code names}, each filled with its initial value. */
    Slots(INDArray variable, List<String> names, ToDoubleFunction<String> initialValue) {
        this.variable = variable;
        for (String name : names) {
            INDArray slot = variable.like();                  // zeros
            double value = initialValue.applyAsDouble(name);
            if (value != 0) slot.assign(value);
            arrays.put(name, slot);
        }
    }

    /** The slot called {@code name} ("momentum", "velocity", ...), updated in place by the optimizer. */
    public INDArray get(String name) {
        INDArray slot = arrays.get(name);
        if (slot == null) throw new IllegalArgumentException("No slot '" + name + "'. This optimizer keeps " + arrays.keySet());
        return slot;
    }

    /** A work buffer of the parameter's shape and dtype, created on first use and reused every step. */
    public INDArray scratch() {
        if (scratch == null) scratch = variable.ulike();
        return scratch;
    }

    Map<String, INDArray> arrays() { return Collections.unmodifiableMap(arrays); }

    /** The gradient in the parameter's dtype (Keras casts it too): the gradient itself, or a reused converted copy. */
    INDArray inParameterType(INDArray gradient) {
        if (gradient.dataType() == variable.dataType()) return gradient;
        if (castGradient == null) castGradient = variable.ulike();
        return castGradient.assign(gradient);
    }
}
