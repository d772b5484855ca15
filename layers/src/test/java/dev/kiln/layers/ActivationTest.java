package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Tensor;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ActivationTest extends LayerTesting {

    private static final double[] X = {-2, -0.5, 0, 1, 2};

    private static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    private static double hardSigmoid(double x) { return Math.min(Math.max((x + 3) / 6, 0), 1); }

    @Test
    void elementWiseValuesMatchKerasFormulas() {
        Map<Activation, DoubleUnaryOperator> reference = Map.ofEntries(
                Map.entry(Activation.LINEAR, x -> x),
                Map.entry(Activation.RELU, x -> Math.max(x, 0)),
                Map.entry(Activation.RELU6, x -> Math.min(Math.max(x, 0), 6)),
                Map.entry(Activation.SIGMOID, ActivationTest::sigmoid),
                Map.entry(Activation.HARD_SIGMOID, ActivationTest::hardSigmoid),
                Map.entry(Activation.TANH, Math::tanh),
                Map.entry(Activation.ELU, x -> x > 0 ? x : Math.exp(x) - 1),
                Map.entry(Activation.SELU, x -> 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1))),
                Map.entry(Activation.LEAKY_RELU, x -> x >= 0 ? x : 0.2 * x),
                Map.entry(Activation.SOFTPLUS, x -> Math.log1p(Math.exp(x))),
                Map.entry(Activation.SOFTSIGN, x -> x / (1 + Math.abs(x))),
                Map.entry(Activation.SILU, x -> x * sigmoid(x)),
                Map.entry(Activation.SWISH, x -> x * sigmoid(x)),
                Map.entry(Activation.HARD_SILU, x -> x * hardSigmoid(x)),
                Map.entry(Activation.MISH, x -> x * Math.tanh(Math.log1p(Math.exp(x)))),
                Map.entry(Activation.EXPONENTIAL, Math::exp));
        var x = tensor(X, 5);
        for (var entry : reference.entrySet()) {
            double[] expected = new double[X.length];
            for (int i = 0; i < X.length; i++) expected[i] = entry.getValue().applyAsDouble(X[i]);
            // ND4J's lrelu keeps its slope as a float32, 0.2f = 0.2 + 3e-9, hence a looser match for LEAKY_RELU.
            assertValues(expected, entry.getKey().apply(x), entry.getKey() == Activation.LEAKY_RELU ? 1e-8 : 1e-12);
        }
        // GELU is exact (Keras's approximate=false): x·Φ(x), Φ the standard normal CDF.
        assertValues(new double[] {-0.04550026389635842, -0.15426876936299347, 0, 0.8413447460685429, 1.9544997361036416},
                Activation.GELU.apply(x), 1e-9);
    }

    @Test
    void softmaxAndLogSoftmaxActOnTheLastAxis() {
        var x = tensor(new double[] {1, 2, 3, 0, 0, 0}, 2, 3);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        double[] expected = {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0};
        assertValues(expected, Activation.SOFTMAX.apply(x), 1e-12);
        double[] logs = new double[6];
        for (int i = 0; i < 6; i++) logs[i] = Math.log(expected[i]);
        assertValues(logs, Activation.LOG_SOFTMAX.apply(x), 1e-12);
    }

    @Test
    void everyActivationHasAGradientThroughTheLayer() {
        for (Activation activation : Activation.values()) {
            var layer = new ActivationLayer(activation);
            var x = GradientCheck.random(2, 3);
            checkGradients(layer, x);
            assertOutputShape(layer, x);
        }
    }

    @Test
    void byNameUsesKerasNames() {
        assertSame(Activation.RELU, Activation.byName("relu"));
        assertSame(Activation.LEAKY_RELU, Activation.byName("leaky_relu"));
        assertSame(Activation.HARD_SIGMOID, Activation.byName("hard_sigmoid"));
        assertSame(Activation.HARD_SILU, Activation.byName("hard_swish"));
        assertSame(Activation.LINEAR, Activation.byName(null));
        for (Activation a : Activation.values()) assertSame(a, Activation.byName(a.kerasName()));
        var e = assertThrows(IllegalArgumentException.class, () -> Activation.byName("relu7"));
        assertMessageContains(e, "Unknown activation 'relu7'", "relu", "gelu", "leaky_relu");
    }

    @Test
    void activationLayerIsNamedAsKeras() {
        var layer = new ActivationLayer("tanh");
        assertEquals("activation", layer.name());
        assertEquals("Activation", layer.kerasClassName());
        assertEquals(new ActivationLayer.Config(Activation.TANH), layer.config());
        assertEquals(layer.config(), new ActivationLayer(layer.config()).config());
        assertTrue(layer.supportsMasking());
        Tensor x = tensor(new double[] {0.5}, 1, 1);
        assertValues(new double[] {Math.tanh(0.5)}, layer.apply(x), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new ActivationLayer("nope"));
    }
}
