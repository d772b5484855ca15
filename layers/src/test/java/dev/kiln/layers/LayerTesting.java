package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Shared set-up and checks for layer tests: float64 weights, fresh names, a fixed seed. */
public abstract class LayerTesting {

    @BeforeEach
    void float64AndFreshNames() {
        Kiln.setFloatx(DType.FLOAT64);
        Kiln.seed(42);
        Layer.resetNames();
    }

    @AfterEach
    void backToFloat32() { Kiln.setFloatx(DType.FLOAT32); }

    /** Gradient check of {@code f} with respect to the inputs and every trainable weight of {@code layer}. */
    public static void checkGradients(Layer layer, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        f.apply(List.of(inputs));   // builds the layer, so its weights exist
        var all = new ArrayList<>(List.of(inputs));
        all.addAll(layer.trainableWeights());
        GradientCheck.check(args -> f.apply(args.subList(0, inputs.length)), all.toArray(Tensor[]::new));
    }

    /** Gradient check of a one-input layer in training mode, through its inputs and weights. */
    public static void checkGradients(Layer layer, Tensor input) {
        checkGradients(layer, in -> layer.apply(in.get(0), true), input);
    }

    /** outputShape() agrees with the real output, for the concrete batch and for an unknown one. */
    public static void assertOutputShape(Layer layer, Tensor input) {
        Shape real = layer.apply(input).shape();
        assertEquals(real, layer.outputShape(input.shape()));
        assertEquals(real.with(0, Shape.UNKNOWN), layer.outputShape(input.shape().with(0, Shape.UNKNOWN)));
    }

    public static void assertValues(double[] expected, Tensor actual, double tolerance) {
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, "element count of " + actual.shape());
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], tolerance, "element " + i + " of " + actual.shape());
        }
    }

    public static void assertMessageContains(Throwable e, String... parts) {
        for (String part : parts) assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
    }

    public static Tensor tensor(double[] values, long... shape) { return Tensor.of(values, shape); }
}
