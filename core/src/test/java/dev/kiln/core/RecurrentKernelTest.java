package dev.kiln.core;

import static dev.kiln.core.GradientCheck.check;
import static dev.kiln.core.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The composed LSTM and GRU kernels: values against step-by-step compositions of Keras's equations, the LSTM against
 * ND4J's fused kernel, masks, directions, and float64 gradient checks.
 */
class RecurrentKernelTest {

    /** Post padding, pre padding, a gap, and a sequence with no data at all: every case a mask can take. */
    private static final Tensor MASK = Tensor.of(new double[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0}, 4, 4);

    // ---- step-by-step references, written from Keras's equations with plain Tensor ops ----

    private static Tensor step(Tensor x, long t) { return x.slice(1, t, t + 1).squeeze(1); }

    private static Tensor gate(Tensor z, long units, int k) { return z.slice(1, k * units, (k + 1) * units); }

    /** Keras's masked blend: where the mask is 0 keep the old value. */
    private static Tensor where(Tensor mask, long t, Tensor updated, Tensor old) {
        if (mask == null) return updated;
        Tensor m = mask.slice(1, t, t + 1);
        return old.add(updated.sub(old).mul(m));
    }

    /** [sequence (processing order), last h, last c] of Keras's LSTM. */
    private static List<Tensor> referenceLstm(Tensor x, Tensor kernel, Tensor recurrent, Tensor bias, Tensor h0, Tensor c0,
                                              Tensor mask, boolean goBackwards) {
        long batch = x.size(0), steps = x.size(1), units = recurrent.size(0);
        Tensor h = h0 != null ? h0 : Tensor.zeros(Shape.of(batch, units), x.dtype());
        Tensor c = c0 != null ? c0 : Tensor.zeros(Shape.of(batch, units), x.dtype());
        var outputs = new ArrayList<Tensor>();
        for (long s = 0; s < steps; s++) {
            long t = goBackwards ? steps - 1 - s : s;
            Tensor z = step(x, t).matmul(kernel).add(h.matmul(recurrent));
            if (bias != null) z = z.add(bias);
            Tensor i = gate(z, units, 0).sigmoid(), f = gate(z, units, 1).sigmoid();
            Tensor g = gate(z, units, 2).tanh(), o = gate(z, units, 3).sigmoid();
            Tensor cNew = f.mul(c).add(i.mul(g));
            Tensor hNew = o.mul(cNew.tanh());
            c = where(mask, t, cNew, c);
            h = where(mask, t, hNew, h);
            outputs.add(h);
        }
        return List.of(Tensor.stack(1, outputs.toArray(Tensor[]::new)), h, c);
    }

    /** [sequence (processing order), last h] of Keras's GRU. */
    private static List<Tensor> referenceGru(Tensor x, Tensor kernel, Tensor recurrent, Tensor bias, Tensor h0, Tensor mask,
                                             boolean goBackwards, boolean resetAfter) {
        long batch = x.size(0), steps = x.size(1), units = recurrent.size(0);
        Tensor h = h0 != null ? h0 : Tensor.zeros(Shape.of(batch, units), x.dtype());
        Tensor inputBias = bias == null ? null : resetAfter ? bias.slice(0, 0, 1).squeeze(0) : bias;
        Tensor recurrentBias = bias == null || !resetAfter ? null : bias.slice(0, 1, 2).squeeze(0);
        var outputs = new ArrayList<Tensor>();
        for (long s = 0; s < steps; s++) {
            long t = goBackwards ? steps - 1 - s : s;
            Tensor mx = step(x, t).matmul(kernel);
            if (inputBias != null) mx = mx.add(inputBias);
            Tensor inner = h.matmul(recurrent.slice(1, 0, resetAfter ? 3 * units : 2 * units));
            if (recurrentBias != null) inner = inner.add(recurrentBias);
            Tensor z = gate(mx, units, 0).add(gate(inner, units, 0)).sigmoid();
            Tensor r = gate(mx, units, 1).add(gate(inner, units, 1)).sigmoid();
            Tensor recurrentH = resetAfter ? r.mul(gate(inner, units, 2)) : r.mul(h).matmul(recurrent.slice(1, 2 * units, 3 * units));
            Tensor candidate = gate(mx, units, 2).add(recurrentH).tanh();
            Tensor hNew = z.mul(h).add(z.rsub(1.0).mul(candidate));
            h = where(mask, t, hNew, h);
            outputs.add(h);
        }
        return List.of(Tensor.stack(1, outputs.toArray(Tensor[]::new)), h);
    }

    private static List<Tensor> lstm(List<Tensor> in, Tensor mask, boolean goBackwards) {
        var out = NN.lstmComposed(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), mask, goBackwards, true);
        return List.of(out.sequence(), out.lastHidden(), out.lastCell());
    }

    private static List<Tensor> gru(List<Tensor> in, Tensor mask, boolean goBackwards, boolean resetAfter) {
        var out = NN.gru(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), mask, goBackwards, true, resetAfter);
        return List.of(out.sequence(), out.lastHidden());
    }

    /** All outputs flattened into one [B, n] tensor, so one gradient check covers them together. */
    private static Tensor joined(List<Tensor> outputs) {
        return Tensor.concat(1, outputs.stream().map(t -> t.reshape(t.size(0), -1)).toArray(Tensor[]::new));
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance) {
        assertEquals(expected.shape(), actual.shape());
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], tolerance, "element " + i + " of " + actual.shape());
    }

    /** The gradients of Σ G·f(inputs) with respect to each input, for a fixed random G. */
    private static List<Tensor> gradients(Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {
        Tensor out = f.apply(inputs);
        Kiln.seed(7);
        for (Tensor t : inputs) t.zeroGrad();
        out.mul(Tensor.normal(out.shape(), DType.FLOAT64)).sum().backward();
        return inputs.stream().map(t -> Tensor.of(t.grad().toDoubleArray(), t.shape().dims())).toList();   // a copy: the next backward reuses the buffer
    }

    private static List<Tensor> lstmInputs(long batch, long steps, long features, long units) {
        return List.of(random(batch, steps, features), random(features, 4 * units), random(units, 4 * units), random(4 * units),
                random(batch, units), random(batch, units));
    }

    // ---- LSTM ----

    @Test
    void lstmMatchesKerasEquationsStepByStepWithMasksAndBothDirections() {
        Kiln.seed(1);
        var in = lstmInputs(4, 4, 3, 2);
        for (boolean backwards : new boolean[] {false, true}) {
            for (Tensor mask : new Tensor[] {null, MASK}) {
                var expected = referenceLstm(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), mask, backwards);
                var actual = lstm(in, mask, backwards);
                for (int k = 0; k < 3; k++) assertClose(expected.get(k), actual.get(k), 1e-12);
            }
        }
    }

    @Test
    void composedLstmAgreesWithTheFusedKernelInValuesAndGradients() {
        Kiln.seed(2);
        var in = lstmInputs(3, 5, 3, 4);
        for (boolean backwards : new boolean[] {false, true}) {
            Function<List<Tensor>, Tensor> fused = a -> {
                var out = NN.lstm(a.get(0), a.get(1), a.get(2), a.get(3), a.get(4), a.get(5), backwards);
                var sequence = backwards ? Tensor.stack(1, reversedSteps(out.sequence())) : out.sequence();   // fused: time order
                return joined(List.of(sequence, out.lastHidden(), out.lastCell()));
            };
            Function<List<Tensor>, Tensor> composed = a -> joined(lstm(a, null, backwards));
            assertClose(fused.apply(in), composed.apply(in), 1e-6);
            var expected = gradients(fused, in);
            var actual = gradients(composed, in);
            for (int k = 0; k < in.size(); k++) assertClose(expected.get(k), actual.get(k), 1e-6);
        }
    }

    /** Float32 on the CPU takes the host loops for each step's gates and states: values and gradients as float64's. */
    @Test
    void float32LstmMatchesFloat64WithMasksAndBothDirections() {
        Kiln.seed(4);
        var in64 = lstmInputs(4, 4, 3, 5);
        var in32 = in64.stream().map(t -> t.cast(DType.FLOAT32).requiringGrad()).toList();
        for (boolean backwards : new boolean[] {false, true}) {
            for (Tensor mask : new Tensor[] {null, MASK}) {
                Tensor out64 = joined(lstm(in64, mask, backwards)), out32 = joined(lstm(in32, mask, backwards));
                assertClose(out64, out32, 1e-5);
                var weights = Tensor.uniform(out64.shape(), -1, 1, DType.FLOAT64);
                for (Tensor t : in64) t.zeroGrad();
                for (Tensor t : in32) t.zeroGrad();
                out64.mul(weights).sum().backward();
                out32.mul(weights.cast(DType.FLOAT32)).sum().backward();
                for (int k = 0; k < in64.size(); k++) assertClose(in64.get(k).grad(), in32.get(k).grad(), 1e-4);
            }
        }
    }

    private static Tensor[] reversedSteps(Tensor sequence) {
        long steps = sequence.size(1);
        var reversed = new Tensor[(int) steps];
        for (int t = 0; t < steps; t++) reversed[t] = step(sequence, steps - 1 - t);
        return reversed;
    }

    @Test
    void lstmGradientsWithInitialStatesMasksAndBothDirections() {
        Kiln.seed(3);
        for (boolean backwards : new boolean[] {false, true}) {
            check(in -> joined(lstm(in, MASK, backwards)), lstmInputs(4, 4, 2, 2).toArray(Tensor[]::new));
        }
        check(in -> joined(lstm(in, null, false)), lstmInputs(2, 3, 2, 3).toArray(Tensor[]::new));
    }

    @Test
    void lstmGradientsWithoutBiasStatesOrSequence() {
        Kiln.seed(4);
        check(in -> NN.lstmComposed(in.get(0), in.get(1), in.get(2), null, null, null, MASK.slice(0, 0, 2), true, false).lastHidden(),
                random(2, 4, 3), random(3, 8), random(2, 8));
        check(in -> NN.lstmComposed(in.get(0), in.get(1), in.get(2), in.get(3), null, null, null, false, false).lastCell(),
                random(2, 3, 2), random(2, 8), random(2, 8), random(8));
    }

    @Test
    void maskedStepsCarryTheStateExactly() {
        Kiln.seed(5);
        var in = lstmInputs(4, 4, 3, 2);
        var out = lstm(in, MASK, false);
        double[] seq = out.get(0).toDoubleArray();     // [4, 4, 2]
        // row 0: data in steps 0-2, step 3 is padding: its output repeats step 2
        assertEquals(seq[2 * 2], seq[3 * 2]);
        assertEquals(seq[2 * 2 + 1], seq[3 * 2 + 1]);
        // row 1: padding first (pre padding): the output stays the initial state until step 2
        double[] h0 = in.get(4).toDoubleArray();
        assertEquals(h0[2], seq[8]);
        assertEquals(h0[2], seq[8 + 2]);
        // row 3 has no data: the last states are the initial ones
        assertClose(in.get(4).slice(0, 3, 4), out.get(1).slice(0, 3, 4), 0);
        assertClose(in.get(5).slice(0, 3, 4), out.get(2).slice(0, 3, 4), 0);
        // row 0's last state is that of the sequence cut after its last valid step
        var cut = NN.lstmComposed(in.get(0).slice(0, 0, 1).slice(1, 0, 3), in.get(1), in.get(2), in.get(3),
                in.get(4).slice(0, 0, 1), in.get(5).slice(0, 0, 1), null, false, false);
        assertClose(cut.lastHidden(), out.get(1).slice(0, 0, 1), 0);
        assertClose(cut.lastCell(), out.get(2).slice(0, 0, 1), 0);
    }

    // ---- GRU ----

    private static List<Tensor> gruInputs(long batch, long steps, long features, long units, boolean resetAfter) {
        return List.of(random(batch, steps, features), random(features, 3 * units), random(units, 3 * units),
                resetAfter ? random(2, 3 * units) : random(3 * units), random(batch, units));
    }

    @Test
    void gruMatchesKerasEquationsStepByStepInBothResetModes() {
        Kiln.seed(6);
        for (boolean resetAfter : new boolean[] {true, false}) {
            var in = gruInputs(4, 4, 3, 2, resetAfter);
            for (boolean backwards : new boolean[] {false, true}) {
                for (Tensor mask : new Tensor[] {null, MASK}) {
                    var expected = referenceGru(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), mask, backwards, resetAfter);
                    var actual = gru(in, mask, backwards, resetAfter);
                    for (int k = 0; k < 2; k++) assertClose(expected.get(k), actual.get(k), 1e-12);
                }
            }
        }
    }

    @Test
    void gruGradientsInBothResetModesWithMasksAndBothDirections() {
        Kiln.seed(7);
        for (boolean resetAfter : new boolean[] {true, false}) {
            for (boolean backwards : new boolean[] {false, true}) {
                check(in -> joined(gru(in, MASK, backwards, resetAfter)), gruInputs(4, 4, 2, 2, resetAfter).toArray(Tensor[]::new));
            }
            check(in -> joined(gru(in, null, false, resetAfter)), gruInputs(2, 3, 3, 2, resetAfter).toArray(Tensor[]::new));
            check(in -> NN.gru(in.get(0), in.get(1), in.get(2), null, null, null, false, false, resetAfter).lastHidden(),
                    random(2, 3, 2), random(2, 9), random(3, 9));
        }
    }

    // ---- errors ----

    @Test
    void shapesAreCheckedWithClearMessages() {
        var x = random(2, 3, 4);
        var k = random(4, 8);
        var r = random(2, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> NN.lstmComposed(random(2, 4), k, r, null, null, null, null, false, false));
        assertTrue(e.getMessage().contains("[batch, steps, features]") && e.getMessage().contains("[2, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NN.lstmComposed(x, random(3, 8), r, null, null, null, null, false, false));
        assertTrue(e.getMessage().contains("kernel [4, 8]") && e.getMessage().contains("[3, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NN.lstmComposed(x, k, r, null, random(2, 3), null, null, false, false));
        assertTrue(e.getMessage().contains("initial hidden state [2, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NN.lstmComposed(x, k, r, null, null, null, MASK, false, false));
        assertTrue(e.getMessage().contains("mask [2, 3]") && e.getMessage().contains("[4, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NN.gru(x, random(4, 6), random(2, 6), random(6), null, null, false, false, true));
        assertTrue(e.getMessage().contains("bias [2, 6]") && e.getMessage().contains("[6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NN.lstmComposed(x, k.cast(DType.FLOAT32), r, null, null, null, null, false, false));
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64"), e.getMessage());
    }
}
