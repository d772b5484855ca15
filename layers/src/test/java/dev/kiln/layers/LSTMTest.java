package dev.kiln.layers;

import static dev.kiln.layers.KerasRecurrentReference.cube;
import static dev.kiln.layers.KerasRecurrentReference.flatOutputs;
import static dev.kiln.layers.KerasRecurrentReference.flatState;
import static dev.kiln.layers.KerasRecurrentReference.matrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LSTMTest extends LayerTesting {

    /** Post padding, pre padding and a gap: [3, 4]. */
    static final Tensor MASK = Tensor.of(new double[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1}, 3, 4);

    static List<Tensor> withNulls(Tensor mask, int count) {
        var masks = new ArrayList<Tensor>();
        masks.add(mask);
        for (int i = 0; i < count; i++) masks.add(null);
        return masks;
    }

    /** The layer's kernel, recurrent kernel and bias, as Keras lays them out. */
    static KerasRecurrentReference.Step reference(LSTM lstm, int features, int units) {
        var w = lstm.weights();
        return KerasRecurrentReference.lstm(matrix(w.get(0).toDoubleArray(), features, 4 * units),
                matrix(w.get(1).toDoubleArray(), units, 4 * units), w.get(2).toDoubleArray());
    }

    @Test
    void forwardMatchesKerasEquationsWithMasksDirectionsAndInitialStates() {
        var x = GradientCheck.random(3, 4, 2);
        var h0 = GradientCheck.random(3, 3);
        var c0 = GradientCheck.random(3, 3);
        for (boolean backwards : new boolean[] {false, true}) {
            for (Tensor mask : new Tensor[] {null, MASK}) {
                var lstm = new LSTM(new LSTM.Config(3).withReturnSequences(true).withReturnState(true).withGoBackwards(backwards));
                var out = lstm.apply(List.of(x, h0, c0), withNulls(mask, 2), false);
                double[][][] initial = new double[3][][];
                for (int b = 0; b < 3; b++) initial[b] = new double[][] {h0.slice(0, b, b + 1).toDoubleArray(), c0.slice(0, b, b + 1).toDoubleArray()};
                var expected = KerasRecurrentReference.run(cube(x.toDoubleArray(), 3, 4, 2), mask == null ? null : matrix(MASK.toDoubleArray(), 3, 4),
                        initial, backwards, reference(lstm, 2, 3));
                assertValues(flatOutputs(expected), out.get(0), 1e-12);
                assertValues(flatState(expected, 0), out.get(1), 1e-12);
                assertValues(flatState(expected, 1), out.get(2), 1e-12);
                assertEquals(Shape.of(3, 4, 3), out.get(0).shape());
            }
        }
    }

    @Test
    void lastOutputIsTheStateAfterEachSequencesLastValidStep() {
        var lstm = new LSTM(3);
        var x = GradientCheck.random(3, 4, 2);
        var last = lstm.apply(x, MASK, false);
        var expected = KerasRecurrentReference.run(cube(x.toDoubleArray(), 3, 4, 2), matrix(MASK.toDoubleArray(), 3, 4),
                new double[][][] {{new double[3], new double[3]}, {new double[3], new double[3]}, {new double[3], new double[3]}},
                false, reference(lstm, 2, 3));
        assertValues(flatState(expected, 0), last, 1e-12);
        assertNull(Masks.of(last));
    }

    @Test
    void maskedStepsRepeatTheLastValidStepForPreAndPostPadding() {
        var tokens = Tensor.of(new int[] {3, 1, 2, 0, 0, 0, 0, 3, 1, 2}, 2, 5);   // the same three tokens, padded after and before
        var embedding = new Embedding(new Embedding.Config(4, 2).withMaskZero(true));
        var lstm = new LSTM(new LSTM.Config(3).withReturnSequences(true).withReturnState(true));
        var out = lstm.apply(List.of(embedding.apply(tokens)), false);
        double[] seq = out.get(0).toDoubleArray();    // [2, 5, 3]
        for (int u = 0; u < 3; u++) {
            assertEquals(seq[2 * 3 + u], seq[3 * 3 + u]);            // post padding: steps 3 and 4 repeat step 2
            assertEquals(seq[2 * 3 + u], seq[4 * 3 + u]);
            assertEquals(0.0, seq[15 + u]);                          // pre padding: nothing happened yet
            assertEquals(0.0, seq[15 + 3 + u]);
            assertEquals(seq[2 * 3 + u], seq[15 + 4 * 3 + u]);       // both rows end in the same state, bit for bit
        }
        assertArrayEquals(out.get(1).slice(0, 0, 1).toDoubleArray(), out.get(1).slice(0, 1, 2).toDoubleArray());
        assertArrayEquals(out.get(2).slice(0, 0, 1).toDoubleArray(), out.get(2).slice(0, 1, 2).toDoubleArray());
        assertValues(new double[] {1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, Masks.of(out.get(0)), 0);   // the sequence keeps the mask
    }

    @Test
    void gradientsOfTheLastOutput() {
        var lstm = new LSTM(3);
        checkGradients(lstm, GradientCheck.random(2, 3, 2));
    }

    @Test
    void gradientsOfSequenceAndStatesWithMaskBackwardsAndInitialStates() {
        var lstm = new LSTM(new LSTM.Config(2).withReturnSequences(true).withReturnState(true).withGoBackwards(true));
        checkGradients(lstm, in -> joined(lstm.apply(in, withNulls(MASK, 2), true)),
                GradientCheck.random(3, 4, 2), GradientCheck.random(3, 2), GradientCheck.random(3, 2));
    }

    @Test
    void gradientsThroughTheStepLoopWithRecurrentDropoutAndOtherActivations() {
        var dropped = new LSTM(new LSTM.Config(2).withCell(c -> c.withDropout(0.3, 0.4)));
        checkGradients(dropped, in -> {
            Kiln.seed(5);                             // the same dropout masks at every evaluation
            return dropped.apply(in.get(0), MASK, true);
        }, GradientCheck.random(3, 4, 2));
        var hard = new LSTM(new LSTM.Config(2).withReturnSequences(true).withCell(c -> c.withActivations(Activation.SOFTSIGN, Activation.SIGMOID)));
        checkGradients(hard, in -> hard.apply(in.get(0), MASK, true), GradientCheck.random(3, 4, 2));
    }

    /** The step loop (any cell without a sequence kernel) and the LSTM kernel give the same values and gradients. */
    @Test
    void stepLoopAndSequenceKernelAgree() {
        var options = RNN.Options.DEFAULTS.withReturnSequences(true).withReturnState(true).withGoBackwards(true);
        var kernelLayer = new LSTM(new LSTM.Config(3).withOptions(options));
        var loopLayer = new RNN(new StepOnly(new LSTMCell(3)), options);
        var x = GradientCheck.random(3, 4, 2);
        var h0 = GradientCheck.random(3, 3);
        var c0 = GradientCheck.random(3, 3);
        kernelLayer.apply(List.of(x, h0, c0), false);
        loopLayer.apply(List.of(x, h0, c0), false);
        loopLayer.setWeights(kernelLayer.weights());
        var viaKernel = kernelLayer.apply(List.of(x, h0, c0), withNulls(MASK, 2), true);
        var viaLoop = loopLayer.apply(List.of(x, h0, c0), withNulls(MASK, 2), true);
        for (int k = 0; k < 3; k++) assertValues(viaKernel.get(k).toDoubleArray(), viaLoop.get(k), 1e-12);
        var inputs = List.of(x, h0, c0);
        for (Tensor t : inputs) t.zeroGrad();
        joined(kernelLayer.apply(inputs, withNulls(MASK, 2), true)).sum().backward();
        var expected = inputs.stream().map(t -> t.grad().toDoubleArray()).toList();
        for (Tensor t : inputs) t.zeroGrad();
        joined(loopLayer.apply(inputs, withNulls(MASK, 2), true)).sum().backward();
        for (int k = 0; k < 3; k++) assertValues(expected.get(k), inputs.get(k).grad(), 1e-12);
    }

    /** A cell that hides its sequence kernel, so the RNN steps it through time. */
    static final class StepOnly extends RNNCell {
        private final RNNCell inner;

        StepOnly(RNNCell inner) { this.inner = inner; }

        @Override
        protected void build(Shape inputShape) { inner.maybeBuild(inputShape); }

        @Override
        public List<Integer> stateSizes() { return inner.stateSizes(); }

        @Override
        public Step step(Tensor input, List<Tensor> states, boolean training) { return inner.step(input, states, training); }

        @Override
        public LayerConfig config() { return inner.config(); }
    }

    static Tensor joined(List<Tensor> outputs) {
        return Tensor.concat(1, outputs.stream().map(t -> t.reshape(t.size(0), -1)).toArray(Tensor[]::new));
    }

    @Test
    void statefulCarriesStatesAcrossCallsAndResetClearsThem() {
        var x = GradientCheck.random(2, 6, 2);
        var whole = new LSTM(new LSTM.Config(3).withReturnState(true));
        var stateful = new LSTM(new LSTM.Config(3).withStateful(true));
        var expected = whole.apply(List.of(x), false);                 // [h, h, c] after all six steps
        stateful.apply(x.slice(1, 0, 3));
        stateful.setWeights(whole.weights());
        stateful.resetStates();
        stateful.apply(x.slice(1, 0, 3));
        var second = stateful.apply(x.slice(1, 3, 6));                  // starts where the first half ended
        assertValues(expected.get(0).toDoubleArray(), second, 1e-12);
        assertValues(expected.get(2).toDoubleArray(), stateful.states().get(1), 1e-12);
        stateful.resetStates();
        assertValues(new double[6], stateful.states().get(0), 0);
        var fresh = whole.apply(List.of(x.slice(1, 3, 6)), false).get(0);
        assertValues(fresh.toDoubleArray(), stateful.apply(x.slice(1, 3, 6)), 1e-12);
        stateful.resetStates(List.of(expected.get(1), expected.get(2)));
        assertValues(expected.get(1).toDoubleArray(), stateful.states().get(0), 0);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> stateful.apply(GradientCheck.random(3, 2, 2))),
                "stateful", "batch of 2", "Received: [3, 2, 2]");
        assertMessageContains(assertThrows(IllegalStateException.class, () -> whole.resetStates()), "not stateful");
    }

    @Test
    void kerasDefaultsWeightNamesAndLayouts() {
        var lstm = new LSTM(3);
        assertEquals(new LSTM.Config(new LSTMCell.Config(3, Activation.TANH, Activation.SIGMOID, true, Initializer.glorotUniform(),
                Initializer.orthogonal(), Initializer.zeros(), true, null, null, null, null, null, null, 0, 0, null),
                RNN.Options.DEFAULTS, null), lstm.config());
        lstm.apply(GradientCheck.random(2, 4, 5));
        assertEquals(List.of("lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"),
                lstm.namedWeights().stream().map(Weight::path).toList());
        assertEquals(List.of(Shape.of(5, 12), Shape.of(3, 12), Shape.of(12)), lstm.weights().stream().map(Tensor::shape).toList());
        assertValues(new double[] {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}, lstm.weights().get(2), 0);   // unitForgetBias
        var r = lstm.weights().get(1);
        assertValues(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, r.matmul(r.transpose()), 1e-12);     // orthogonal rows
        var noForgetBias = new LSTM(new LSTM.Config(2).withCell(c -> c.withUnitForgetBias(false).withUseBias(true)));
        noForgetBias.apply(GradientCheck.random(1, 2, 1));
        assertValues(new double[8], noForgetBias.weights().get(2), 0);
        assertEquals(List.of(3, 3), lstm.cell().stateSizes());
    }

    @Test
    void outputShapesAndConfigRoundTrip() {
        var x = GradientCheck.random(2, 4, 3);
        for (var config : List.of(new LSTM.Config(5), new LSTM.Config(5).withReturnSequences(true))) {
            assertOutputShape(new LSTM(config), x);
        }
        var withState = new LSTM(new LSTM.Config(5).withReturnState(true).withReturnSequences(true));
        var symbolic = withState.apply(List.of(Input.of(Shape.UNKNOWN, 3)));
        assertEquals(List.of(Shape.of(Shape.UNKNOWN, Shape.UNKNOWN, 5), Shape.batchOf(5), Shape.batchOf(5)),
                symbolic.stream().map(s -> s.shape()).toList());
        var real = withState.apply(List.of(x), false);
        assertEquals(withState.outputShapes(List.of(x.shape())), real.stream().map(Tensor::shape).toList());
        var config = new LSTM.Config(4).withGoBackwards(true).withStateful(true).withActivityRegularizer(Regularizer.l2())
                .withCell(c -> c.withDropout(0.1, 0.2).withSeed(7L).withRegularizers(Regularizer.l1(0.1), null, null));
        assertEquals(config, new LSTM(config).config());
        assertEquals(new LSTM(5, true).config(), new LSTM.Config(5).withReturnSequences(true));
    }

    @Test
    void clearErrors() {
        var lstm = new LSTM(4);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> lstm.apply(GradientCheck.random(32, 100))),
                "LSTM 'lstm' expects input of rank 3 [batch, steps, features]. Received: [32, 100]");
        var x = GradientCheck.random(2, 3, 2);
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> lstm.apply(List.of(x, GradientCheck.random(2, 4), GradientCheck.random(2, 3)), false)),
                "LSTM 'lstm' expects initial state 1 of shape [2, 4]", "Received: [2, 3]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> lstm.apply(List.of(x, GradientCheck.random(2, 4)), false)),
                "expects its input alone or with 2 initial state(s)", "1 initial state(s) [[2, 4]]");
        lstm.apply(x);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> lstm.apply(GradientCheck.random(2, 3, 5))),
                "was built for 2 input features", "Received: [2, 3, 5]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new LSTM(0)), "units must be positive. Received: units=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new LSTM(new LSTM.Config(2).withCell(c -> c.withDropout(1.5, 0)))),
                "dropout must be in [0, 1). Received: dropout=1.5");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new LSTM(new LSTM.Config(null, null, null))),
                "LSTM needs a cell configuration");
    }
}
