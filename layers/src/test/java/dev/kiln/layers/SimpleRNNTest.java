package dev.kiln.layers;

import static dev.kiln.layers.KerasRecurrentReference.cube;
import static dev.kiln.layers.KerasRecurrentReference.flatOutputs;
import static dev.kiln.layers.KerasRecurrentReference.flatState;
import static dev.kiln.layers.KerasRecurrentReference.matrix;
import static dev.kiln.layers.LSTMTest.MASK;
import static dev.kiln.layers.LSTMTest.joined;
import static dev.kiln.layers.LSTMTest.withNulls;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimpleRNNTest extends LayerTesting {

    @Test
    void forwardMatchesKerasEquationsWithMasksAndDirections() {
        var x = GradientCheck.random(3, 4, 2);
        for (boolean backwards : new boolean[] {false, true}) {
            var layer = new SimpleRNN(new SimpleRNN.Config(3).withReturnSequences(true).withReturnState(true).withGoBackwards(backwards));
            layer.apply(List.of(x), false);
            layer.setWeights(List.of(layer.weights().get(0), layer.weights().get(1), GradientCheck.random(3)));
            var out = layer.apply(List.of(x), withNulls(MASK, 0), false);
            var w = layer.weights();
            var expected = KerasRecurrentReference.run(cube(x.toDoubleArray(), 3, 4, 2), matrix(MASK.toDoubleArray(), 3, 4),
                    new double[][][] {{new double[3]}, {new double[3]}, {new double[3]}}, backwards,
                    KerasRecurrentReference.simpleRnn(matrix(w.get(0).toDoubleArray(), 2, 3), matrix(w.get(1).toDoubleArray(), 3, 3),
                            w.get(2).toDoubleArray()));
            assertValues(flatOutputs(expected), out.get(0), 1e-12);
            assertValues(flatState(expected, 0), out.get(1), 1e-12);
        }
    }

    @Test
    void gradientsWithMaskInitialStateAndDropout() {
        var layer = new SimpleRNN(new SimpleRNN.Config(2).withReturnSequences(true).withReturnState(true));
        checkGradients(layer, in -> joined(layer.apply(in, withNulls(MASK, 1), true)), GradientCheck.random(3, 4, 2), GradientCheck.random(3, 2));
        var dropped = new SimpleRNN(new SimpleRNN.Config(2).withCell(c -> c.withDropout(0.25, 0.25)));
        checkGradients(dropped, in -> {
            Kiln.seed(2);
            return dropped.apply(in.get(0), true);
        }, GradientCheck.random(2, 3, 2));
    }

    @Test
    void weightNamesShapesAndConfig() {
        var layer = new SimpleRNN(4);
        layer.apply(GradientCheck.random(2, 3, 5));
        assertEquals(List.of("simple_rnn/simple_rnn_cell/kernel", "simple_rnn/simple_rnn_cell/recurrent_kernel", "simple_rnn/simple_rnn_cell/bias"),
                layer.namedWeights().stream().map(Weight::path).toList());
        assertEquals(List.of(Shape.of(5, 4), Shape.of(4, 4), Shape.of(4)), layer.weights().stream().map(Tensor::shape).toList());
        assertOutputShape(new SimpleRNN(3, true), GradientCheck.random(2, 3, 5));
        var config = new SimpleRNN.Config(3).withCell(c -> c.withActivation(Activation.RELU).withUseBias(false)).withGoBackwards(true);
        assertEquals(config, new SimpleRNN(config).config());
    }
}
