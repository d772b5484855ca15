package dev.kiln.models;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.layers.InputLayer;
import dev.kiln.layers.SymbolicTensor;

/**
 * The start of a functional model, as Keras's {@code keras.Input}: a symbolic tensor of the given per-sample shape
 * (batch dimension excluded and left unknown), {@code Input.of(100)} being [None, 100]. Use
 * {@link Shape#UNKNOWN} for a dimension known only at run time, such as a variable sequence length.
 */
public final class Input {

    private Input() {}

    /** A float input ({@link Kiln#floatx()}) of per-sample shape {@code shape}. */
    public static SymbolicTensor of(long... shape) { return of(Kiln.floatx(), shape); }

    /** An input of the given dtype, such as {@code Input.of(DType.INT32, 100)} for token ids. */
    public static SymbolicTensor of(DType dtype, long... shape) { return of(Shape.of(shape), dtype, null); }

    /** An input with a name of its own (null: "input_layer", "input_layer_1", ...). */
    public static SymbolicTensor of(Shape shape, DType dtype, String name) {
        var layer = new InputLayer(new InputLayer.Config(shape.prepend(Shape.UNKNOWN), dtype));
        if (name != null) layer.named(name);
        return layer.output();
    }
}
