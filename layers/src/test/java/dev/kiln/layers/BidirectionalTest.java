package dev.kiln.layers;

import static dev.kiln.layers.KerasRecurrentReference.cube;
import static dev.kiln.layers.KerasRecurrentReference.matrix;
import static dev.kiln.layers.LSTMTest.MASK;
import static dev.kiln.layers.LSTMTest.joined;
import static dev.kiln.layers.LSTMTest.withNulls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import java.util.List;
import org.junit.jupiter.api.Test;

class BidirectionalTest extends LayerTesting {

    /** Keras's output of one direction [B][T][U] in time order, zero at masked steps (Bidirectional's zero_output_for_mask). */
    private static double[][][] direction(RNN layer, Tensor x, boolean backwards) {
        var w = layer.weights();
        var result = KerasRecurrentReference.run(cube(x.toDoubleArray(), 3, 4, 2), matrix(MASK.toDoubleArray(), 3, 4),
                new double[][][] {{new double[2], new double[2]}, {new double[2], new double[2]}, {new double[2], new double[2]}},
                backwards, KerasRecurrentReference.lstm(matrix(w.get(0).toDoubleArray(), 2, 8), matrix(w.get(1).toDoubleArray(), 2, 8),
                        w.get(2).toDoubleArray()));
        double[][][] timeOrder = new double[3][4][];
        for (int b = 0; b < 3; b++) {
            for (int s = 0; s < 4; s++) {
                int t = backwards ? 3 - s : s;
                timeOrder[b][t] = MASK.toDoubleArray()[b * 4 + t] == 0 ? new double[2] : result.outputs()[b][s];
            }
        }
        return timeOrder;
    }

    @Test
    void everyMergeModeCombinesTheTwoDirectionsInTimeOrder() {
        var x = GradientCheck.random(3, 4, 2);
        for (var mode : Bidirectional.MergeMode.values()) {
            var bi = new Bidirectional(new LSTM(2, true), mode);
            var out = bi.apply(List.of(x), withNulls(MASK, 0), false);
            double[][][] f = direction(bi.forwardLayer(), x, false);
            double[][][] b = direction(bi.backwardLayer(), x, true);
            int width = mode == Bidirectional.MergeMode.CONCAT ? 4 : 2;
            double[] merged = new double[3 * 4 * width];
            double[] second = new double[3 * 4 * 2];
            for (int i = 0; i < 3; i++) {
                for (int t = 0; t < 4; t++) {
                    for (int u = 0; u < 2; u++) {
                        double fv = f[i][t][u], bv = b[i][t][u];
                        int at = (i * 4 + t) * width;
                        switch (mode) {
                            case CONCAT -> { merged[at + u] = fv; merged[at + 2 + u] = bv; }
                            case SUM -> merged[at + u] = fv + bv;
                            case MUL -> merged[at + u] = fv * bv;
                            case AVE -> merged[at + u] = (fv + bv) / 2;
                            case NONE -> { merged[at + u] = fv; second[at + u] = bv; }
                        }
                    }
                }
            }
            assertValues(merged, out.get(0), 1e-12);
            if (mode == Bidirectional.MergeMode.NONE) assertValues(second, out.get(1), 1e-12);
            assertEquals(bi.outputShapes(List.of(x.shape())), out.stream().map(Tensor::shape).toList());
            assertValues(MASK.toDoubleArray(), Masks.of(out.get(0)), 0);
        }
    }

    @Test
    void copiesAreNamedAsKerasAndRunInOppositeDirections() {
        var lstm = new LSTM(3);
        var bi = new Bidirectional(lstm);
        bi.apply(GradientCheck.random(2, 4, 5));
        assertEquals(List.of("bidirectional/forward_lstm/lstm_cell/kernel", "bidirectional/forward_lstm/lstm_cell/recurrent_kernel",
                "bidirectional/forward_lstm/lstm_cell/bias", "bidirectional/backward_lstm/lstm_cell/kernel",
                "bidirectional/backward_lstm/lstm_cell/recurrent_kernel", "bidirectional/backward_lstm/lstm_cell/bias"),
                bi.namedWeights().stream().map(Weight::path).toList());
        assertFalse(bi.forwardLayer().options().goBackwards());
        assertTrue(bi.backwardLayer().options().goBackwards());
        assertFalse(lstm.built());                                    // the given layer only serves as a template
        assertEquals(Shape.of(2, 6), bi.apply(GradientCheck.random(2, 4, 5)).shape());
        assertFalse(bi.forwardLayer().options().zeroOutputForMask());   // only forced when returning sequences
    }

    @Test
    void gradientsThroughBothDirectionsWithMasksAndStates() {
        var bi = new Bidirectional(new LSTM(2, true));
        checkGradients(bi, in -> bi.apply(in.get(0), MASK, true), GradientCheck.random(3, 4, 2));
        var gru = new Bidirectional(new GRU(new GRU.Config(2).withReturnState(true)), Bidirectional.MergeMode.AVE);
        checkGradients(gru, in -> joined(gru.apply(in, withNulls(MASK, 2), true)),
                GradientCheck.random(3, 4, 2), GradientCheck.random(3, 2), GradientCheck.random(3, 2));
    }

    @Test
    void initialStatesAndReturnedStatesSplitForwardThenBackward() {
        var bi = new Bidirectional(new LSTM(new LSTM.Config(2).withReturnState(true)), Bidirectional.MergeMode.NONE);
        var x = GradientCheck.random(3, 4, 2);
        var states = List.of(GradientCheck.random(3, 2), GradientCheck.random(3, 2), GradientCheck.random(3, 2), GradientCheck.random(3, 2));
        var out = bi.apply(List.of(x, states.get(0), states.get(1), states.get(2), states.get(3)), false);
        assertEquals(6, out.size());                                   // forward output, backward output, h, c, h, c
        var forward = bi.forwardLayer().apply(List.of(x, states.get(0), states.get(1)), false);
        var backward = bi.backwardLayer().apply(List.of(x, states.get(2), states.get(3)), false);
        assertValues(forward.get(0).toDoubleArray(), out.get(0), 0);
        assertValues(backward.get(0).toDoubleArray(), out.get(1), 0);
        assertValues(forward.get(2).toDoubleArray(), out.get(3), 0);
        assertValues(backward.get(1).toDoubleArray(), out.get(4), 0);
        assertEquals(bi.outputShapes(List.of(x.shape(), states.get(0).shape(), states.get(1).shape(), states.get(2).shape(),
                states.get(3).shape())), out.stream().map(Tensor::shape).toList());
    }

    @Test
    void stackedBidirectionalLayersPassTheMaskOn() {
        var model = new Sequential(Input.of(DType.INT32, 5), new Embedding(new Embedding.Config(6, 3).withMaskZero(true)),
                new Bidirectional(new LSTM(2, true)), new Bidirectional(new LSTM(2)), new Dense(1));
        var padded = Tensor.of(new int[] {4, 2, 0, 0, 0, 0, 0, 0, 4, 2}, 2, 5);
        var out = model.predict(padded);
        assertEquals(Shape.of(2, 1), out.shape());
        assertEquals(Shape.batchOf(1), model.outputs().get(0).shape());
    }

    @Test
    void configRoundTripAndErrors() {
        var bi = new Bidirectional(new Bidirectional.Config(new GRU(3, true), Bidirectional.MergeMode.SUM, null));
        assertEquals(bi.config(), new Bidirectional(bi.config()).config());
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> new Bidirectional(new Bidirectional.Config(new LSTM(2), Bidirectional.MergeMode.CONCAT, new LSTM(2)))),
                "different goBackwards");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Bidirectional(new Bidirectional.Config(new LSTM(2),
                Bidirectional.MergeMode.CONCAT, new LSTM(new LSTM.Config(2).withGoBackwards(true).withReturnSequences(true))))),
                "same returnSequences");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Bidirectional(new LSTM(2), null)), "mergeMode");
        var layer = new Bidirectional(new LSTM(2));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer.apply(GradientCheck.random(2, 3))),
                "expects input of rank 3 [batch, steps, features]. Received: [2, 3]");
        var custom = new Bidirectional(new Bidirectional.Config(new LSTM(2),
                Bidirectional.MergeMode.MUL, new LSTM(new LSTM.Config(2).withGoBackwards(true))));
        assertEquals(Shape.of(2, 2), custom.apply(GradientCheck.random(2, 3, 4)).shape());
    }
}
