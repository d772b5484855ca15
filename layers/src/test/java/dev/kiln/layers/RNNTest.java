package dev.kiln.layers;

import static dev.kiln.layers.LSTMTest.MASK;
import static dev.kiln.layers.LSTMTest.joined;
import static dev.kiln.layers.LSTMTest.withNulls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generic RNN with a user-written cell: Keras's MinimalRNNCell example. */
class RNNTest extends LayerTesting {

    /** {@code output = x·kernel + h·recurrent_kernel}; the output is the new state. */
    public static final class MinimalRNNCell extends RNNCell {
        public record Config(int units) implements LayerConfig {}

        private final Config config;
        private Tensor kernel;
        private Tensor recurrentKernel;

        public MinimalRNNCell(Config config) { this.config = config; }

        @Override
        protected void build(Shape inputShape) {
            kernel = addWeight("kernel", Shape.of(inputShape.last(), config.units()), Initializer.glorotUniform());
            recurrentKernel = addWeight("recurrent_kernel", Shape.of(config.units(), config.units()), Initializer.glorotUniform());
        }

        @Override
        public List<Integer> stateSizes() { return List.of(config.units()); }

        @Override
        public Step step(Tensor input, List<Tensor> states, boolean training) {
            Tensor output = input.matmul(kernel).add(states.get(0).matmul(recurrentKernel));
            return new Step(output, List.of(output));
        }

        @Override
        public Config config() { return config; }
    }

    private static MinimalRNNCell cell(int units) { return new MinimalRNNCell(new MinimalRNNCell.Config(units)); }

    @Test
    void stepsTheCellThroughTimeWithMasksAndDirections() {
        var x = GradientCheck.random(3, 4, 2);
        for (boolean backwards : new boolean[] {false, true}) {
            var rnn = new RNN(cell(3), RNN.Options.DEFAULTS.withReturnSequences(true).withReturnState(true).withGoBackwards(backwards));
            var out = rnn.apply(List.of(x), withNulls(MASK, 0), false);
            var w = rnn.weights();
            var expected = new ArrayList<Tensor>();
            Tensor h = Tensor.zeros(Shape.of(3, 3), x.dtype());
            for (int s = 0; s < 4; s++) {
                int t = backwards ? 3 - s : s;
                Tensor next = x.slice(1, t, t + 1).squeeze(1).matmul(w.get(0)).add(h.matmul(w.get(1)));
                Tensor m = MASK.slice(1, t, t + 1);
                h = next.mul(m).add(h.mul(m.rsub(1.0)));
                expected.add(h);
            }
            assertValues(Tensor.stack(1, expected.toArray(Tensor[]::new)).toDoubleArray(), out.get(0), 1e-12);
            assertValues(h.toDoubleArray(), out.get(1), 1e-12);
        }
    }

    @Test
    void gradientsThroughTheStepLoop() {
        var rnn = new RNN(cell(2), RNN.Options.DEFAULTS.withReturnSequences(true).withReturnState(true));
        checkGradients(rnn, in -> joined(rnn.apply(in, withNulls(MASK, 1), true)), GradientCheck.random(3, 4, 2), GradientCheck.random(3, 2));
    }

    @Test
    void aCellAppliedOnItsOwnGivesOutputAndStates() {
        var lstmCell = new LSTMCell(3);
        var out = lstmCell.apply(List.of(GradientCheck.random(2, 4), GradientCheck.random(2, 3), GradientCheck.random(2, 3)), false);
        assertEquals(List.of(Shape.of(2, 3), Shape.of(2, 3), Shape.of(2, 3)), out.stream().map(Tensor::shape).toList());
        assertValues(out.get(0).toDoubleArray(), out.get(1), 0);      // an LSTM's output is its h
        assertEquals(lstmCell.outputShapes(List.of(Shape.of(2, 4), Shape.of(2, 3), Shape.of(2, 3))),
                out.stream().map(Tensor::shape).toList());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> lstmCell.apply(List.of(GradientCheck.random(2, 4)), false)),
                "expects its input and 2 state(s)");
    }

    @Test
    void eachBuiltInCellStepHasCorrectGradients() {
        var cells = List.<RNNCell>of(new SimpleRNNCell(2), new LSTMCell(2), new GRUCell(2),
                new GRUCell(new GRUCell.Config(2).withResetAfter(false)), new LSTMCell(new LSTMCell.Config(2).withUnitForgetBias(false)));
        for (RNNCell cell : cells) {
            var inputs = new ArrayList<Tensor>(List.of(GradientCheck.random(3, 2)));
            for (int size : cell.stateSizes()) inputs.add(GradientCheck.random(3, size));
            checkGradients(cell, in -> joined(cell.apply(in, true)), inputs.toArray(Tensor[]::new));
        }
    }

    @Test
    void customCellsWorkInBidirectionalAndRoundTripTheirConfig() {
        var rnn = new RNN(cell(2), RNN.Options.DEFAULTS.withReturnSequences(true));
        var bi = new Bidirectional(rnn);
        assertEquals(Shape.of(3, 4, 4), bi.apply(GradientCheck.random(3, 4, 2), MASK, false).shape());
        assertEquals(List.of("bidirectional/forward_rnn/minimal_rnn_cell/kernel", "bidirectional/forward_rnn/minimal_rnn_cell/recurrent_kernel"),
                bi.namedWeights().subList(0, 2).stream().map(Weight::path).toList());
        assertEquals(rnn.config(), new RNN((RNN.Config) rnn.config()).config());
        assertOutputShape(rnn, GradientCheck.random(2, 3, 2));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new RNN((RNNCell) null)), "needs a cell");
    }
}
