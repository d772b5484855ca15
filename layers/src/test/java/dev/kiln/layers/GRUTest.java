package dev.kiln.layers;

import static dev.kiln.layers.KerasRecurrentReference.cube;
import static dev.kiln.layers.KerasRecurrentReference.flatOutputs;
import static dev.kiln.layers.KerasRecurrentReference.flatState;
import static dev.kiln.layers.KerasRecurrentReference.matrix;
import static dev.kiln.layers.LSTMTest.MASK;
import static dev.kiln.layers.LSTMTest.joined;
import static dev.kiln.layers.LSTMTest.withNulls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GRUTest extends LayerTesting {

    private static GRU gru(int units, boolean resetAfter, RNN.Options options) {
        return new GRU(new GRU.Config(units).withOptions(options).withCell(c -> c.withResetAfter(resetAfter)));
    }

    private static KerasRecurrentReference.Step reference(GRU gru, int features, int units, boolean resetAfter) {
        var w = gru.weights();
        double[][] bias = resetAfter ? matrix(w.get(2).toDoubleArray(), 2, 3 * units) : matrix(w.get(2).toDoubleArray(), 1, 3 * units);
        return KerasRecurrentReference.gru(matrix(w.get(0).toDoubleArray(), features, 3 * units),
                matrix(w.get(1).toDoubleArray(), units, 3 * units), bias, resetAfter);
    }

    @Test
    void forwardMatchesKerasEquationsInBothResetModesWithMasksAndDirections() {
        var x = GradientCheck.random(3, 4, 2);
        var h0 = GradientCheck.random(3, 3);
        for (boolean resetAfter : new boolean[] {true, false}) {
            for (boolean backwards : new boolean[] {false, true}) {
                var options = RNN.Options.DEFAULTS.withReturnSequences(true).withReturnState(true).withGoBackwards(backwards);
                var layer = gru(3, resetAfter, options);
                layer.apply(List.of(x), false);
                Kiln.seed(backwards ? 1 : 2);
                layer.setWeights(layer.weights().stream().map(w -> Tensor.uniform(w.shape(), -1, 1, w.dtype())).toList());  // nonzero biases
                var out = layer.apply(List.of(x, h0), withNulls(MASK, 1), false);
                double[][][] initial = new double[3][][];
                for (int b = 0; b < 3; b++) initial[b] = new double[][] {h0.slice(0, b, b + 1).toDoubleArray()};
                var expected = KerasRecurrentReference.run(cube(x.toDoubleArray(), 3, 4, 2), matrix(MASK.toDoubleArray(), 3, 4), initial,
                        backwards, reference(layer, 2, 3, resetAfter));
                assertValues(flatOutputs(expected), out.get(0), 1e-12);
                assertValues(flatState(expected, 0), out.get(1), 1e-12);
            }
        }
    }

    @Test
    void gradientsInBothResetModes() {
        for (boolean resetAfter : new boolean[] {true, false}) {
            var last = gru(2, resetAfter, RNN.Options.DEFAULTS);
            checkGradients(last, GradientCheck.random(2, 3, 2));
            var all = gru(2, resetAfter, RNN.Options.DEFAULTS.withReturnSequences(true).withReturnState(true).withGoBackwards(true));
            checkGradients(all, in -> joined(all.apply(in, withNulls(MASK, 1), true)), GradientCheck.random(3, 4, 2), GradientCheck.random(3, 2));
        }
    }

    @Test
    void gradientsThroughTheStepLoopWithRecurrentDropout() {
        for (boolean resetAfter : new boolean[] {true, false}) {
            var layer = new GRU(new GRU.Config(2).withReturnSequences(true).withCell(c -> c.withDropout(0.2, 0.3).withResetAfter(resetAfter)));
            checkGradients(layer, in -> {
                Kiln.seed(9);
                return layer.apply(in.get(0), MASK, true);
            }, GradientCheck.random(3, 4, 2));
        }
    }

    @Test
    void stepLoopAndSequenceKernelAgree() {
        for (boolean resetAfter : new boolean[] {true, false}) {
            var options = RNN.Options.DEFAULTS.withReturnSequences(true).withGoBackwards(true);
            var kernelLayer = gru(3, resetAfter, options);
            var loopLayer = new RNN(new LSTMTest.StepOnly(new GRUCell(new GRUCell.Config(3).withResetAfter(resetAfter))), options);
            var x = GradientCheck.random(3, 4, 2);
            kernelLayer.apply(x);
            loopLayer.apply(x);
            Kiln.seed(4);
            kernelLayer.setWeights(kernelLayer.weights().stream().map(w -> Tensor.uniform(w.shape(), -1, 1, w.dtype())).toList());
            loopLayer.setWeights(kernelLayer.weights());
            assertValues(kernelLayer.apply(x, MASK, true).toDoubleArray(), loopLayer.apply(x, MASK, true), 1e-12);
        }
    }

    @Test
    void kerasDefaultsWeightNamesAndLayouts() {
        var gru = new GRU(4);
        assertEquals(new GRUCell.Config(4, Activation.TANH, Activation.SIGMOID, true, Initializer.glorotUniform(), Initializer.orthogonal(),
                Initializer.zeros(), null, null, null, null, null, null, 0, 0, null, true), gru.config().cell());
        gru.apply(GradientCheck.random(2, 3, 5));
        assertEquals(List.of("gru/gru_cell/kernel", "gru/gru_cell/recurrent_kernel", "gru/gru_cell/bias"),
                gru.namedWeights().stream().map(Weight::path).toList());
        assertEquals(List.of(Shape.of(5, 12), Shape.of(4, 12), Shape.of(2, 12)), gru.weights().stream().map(Tensor::shape).toList());
        var before = gru(4, false, RNN.Options.DEFAULTS);
        before.apply(GradientCheck.random(2, 3, 5));
        assertEquals(Shape.of(12), before.weights().get(2).shape());
        var noBias = new GRU(new GRU.Config(2).withCell(c -> c.withUseBias(false)));
        noBias.apply(GradientCheck.random(1, 2, 3));
        assertEquals(2, noBias.weights().size());
    }

    @Test
    void outputShapesConfigRoundTripAndErrors() {
        var x = GradientCheck.random(2, 4, 3);
        assertOutputShape(new GRU(5), x);
        assertOutputShape(new GRU(5, true), x);
        var config = new GRU.Config(3).withReturnState(true).withCell(c -> c.withResetAfter(false).withActivations(Activation.RELU, null));
        assertEquals(config, new GRU(config).config());
        assertEquals(Activation.LINEAR, config.cell().recurrentActivation());   // Keras: None means linear
        var gru = new GRU(2);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> gru.apply(GradientCheck.random(4, 3))),
                "GRU 'gru_", "expects input of rank 3 [batch, steps, features]. Received: [4, 3]");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> gru.apply(List.of(x, GradientCheck.random(2, 3)), false)), "expects initial state 0 of shape [2, 2]", "Received: [2, 3]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new GRU(-1)), "units=-1");
    }
}
