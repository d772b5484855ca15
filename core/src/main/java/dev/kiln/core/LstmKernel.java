package dev.kiln.core;

import static dev.kiln.core.Recurrent.block;
import static dev.kiln.core.Recurrent.rows;
import static dev.kiln.core.Recurrent.steps;
import static dev.kiln.core.Recurrent.vector;
import static dev.kiln.core.Recurrent.view;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarReverseSubtraction;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The composed LSTM behind {@link NN#lstmComposed}: Keras's equations over a whole sequence, one GEMM and nine
 * element-wise ops per step forward (one host loop for the nine in float32 on the CPU), a hand-written backward
 * through time with two GEMMs and seven element-wise ops per step. Layout: see {@link Recurrent}; the activated
 * gates are kept gate by gate ([4, T, U, B]), so the factors of the backward are computed for all steps at once
 * on contiguous arrays.
 *
 * <p>Forward, for each step t in processing order, with xh = [xₜ; hₜ₋₁; 1] [K, B] and
 * W = [kernel; recurrentKernel; bias] [K, 4U] (K = C + U + 1; without a bias no 1 and no bias row):
 * <pre>
 *   z = Wᵀ·xh [4U, B];  i, f, o = σ(z_i, z_f, z_o);  g = tanh(z_g);  cₜ = f·cₜ₋₁ + i·g;  hₜ = o·tanh(cₜ)
 *   at a masked step (m = 0): cₜ = cₜ₋₁, hₜ = hₜ₋₁
 * </pre>
 * Backward, with the mask folded into the factors so that a masked step passes both gradients straight through:
 * <pre>
 *   e = dc + dh·m·o(1 − tanh²cₜ)
 *   dz_i = e·m·g·i(1 − i),  dz_f = e·m·cₜ₋₁·f(1 − f),  dz_g = e·m·i(1 − g²),  dz_o = dh·m·tanh cₜ·o(1 − o)
 *   dcₜ₋₁ = e·(1 − m(1 − f)),  d xh = W·dz (dxₜ and the recurrent part of dhₜ₋₁),  dhₜ₋₁ += (1 − m)·dh
 *   dW = Σₜ xhₜ·dzₜᵀ
 * </pre>
 */
final class LstmKernel {

    private final long batch;
    private final long steps;
    private final long features;
    private final long units;
    private final long width;          // K: the rows of xh
    private final boolean goBackwards;
    private final boolean hasBias;
    private final DataType dtype;
    private final INDArray keep;       // the mask, time-major [T, B], or null
    private final INDArray dropped;    // 1 − keep, or null
    private final boolean[] full;      // per step: no sequence is masked there
    private INDArray weights;          // W [K, 4U]
    private INDArray inputs;           // xh of every step [T + 1, K, B]; hₜ is in rows [C, C + U) of step t + 1
    private INDArray gates;            // i, f, g, o after their activations, gate by gate [4, T, U, B]
    private INDArray cells;            // c₋₁ … c_T [T + 1, U, B]

    private LstmKernel(Tensor x, long units, boolean hasBias, Tensor mask, boolean goBackwards) {
        Shape s = x.shape();
        this.batch = s.get(0);
        this.steps = s.get(1);
        this.features = s.get(2);
        this.units = units;
        this.hasBias = hasBias;
        this.width = features + units + (hasBias ? 1 : 0);
        this.goBackwards = goBackwards;
        this.dtype = x.array().dataType();
        this.keep = Recurrent.timeMajorMask(mask, dtype, goBackwards);
        this.dropped = keep == null ? null : Tensor.temp(keep.rsub(1.0));
        this.full = Recurrent.fullSteps(keep, steps);
    }

    static NN.LstmOutputs run(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor initialHidden,
                              Tensor initialCell, Tensor mask, boolean goBackwards, boolean returnSequences) {
        long units = Recurrent.checkWeights("lstm", x, kernel, recurrentKernel, 4, bias, Shape.of(4 * recurrentKernel.shape().get(0)));
        Shape s = x.shape();
        Recurrent.checkState("lstm", "initial hidden state", initialHidden, s.get(0), units);
        Recurrent.checkState("lstm", "initial cell state", initialCell, s.get(0), units);
        Recurrent.checkMask("lstm", mask, s);
        var lstm = new LstmKernel(x, units, bias != null, mask, goBackwards);
        INDArray[] outputs = lstm.forward(x, kernel, recurrentKernel, bias, initialHidden, initialCell, returnSequences);
        int last = returnSequences ? 1 : 0;
        Tensor[] results = Tensor.deriveMany("lstm", outputs,
                g -> lstm.backward(returnSequences ? g[0] : null, g[last], g[last + 1], x, initialHidden, initialCell),
                x, kernel, recurrentKernel, bias, initialHidden, initialCell);
        return new NN.LstmOutputs(returnSequences ? results[0] : null, results[last], results[last + 1]);
    }

    /** Gate k (0 i, 1 f, 2 g, 3 o) of step t, [U, B]. */
    private INDArray gate(INDArray byGate, int k, long t) { return block(byGate, (k * steps + t) * units * batch, units, batch); }

    /** The four gate blocks [U, B] of one step's [4U, B] buffer. */
    private INDArray[] byGate(INDArray steps) {
        long ub = units * batch;
        return new INDArray[] {block(steps, 0, units, batch), block(steps, ub, units, batch), block(steps, 2 * ub, units, batch),
            block(steps, 3 * ub, units, batch)};
    }

    /** Gate k of every step, [T, U, B]. */
    private INDArray gate(INDArray byGate, int k) { return view(byGate, k * steps * units * batch, steps, units, batch); }

    /** Runs every step; returns the sequence (when asked for), the last hidden state and the last cell state. */
    private INDArray[] forward(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor h0, Tensor c0, boolean returnSequences) {
        long ub = units * batch;
        weights = Tensor.temp(Nd4j.createUninitialized(dtype, width, 4 * units));
        block(weights, 0, features, 4 * units).assign(kernel.array());
        block(weights, features * 4 * units, units, 4 * units).assign(recurrentKernel.array());
        if (hasBias) vector(weights, (features + units) * 4 * units, 4 * units).assign(bias.array());
        inputs = Tensor.temp(Nd4j.createUninitialized(dtype, steps + 1, width, batch));
        Recurrent.copyInputs(Recurrent.inProcessingOrder(x.array(), goBackwards), inputs);
        if (hasBias) rows(inputs, features + units, width).assign(1.0);
        INDArray hPrev = block(inputs, features * batch, units, batch);
        if (h0 == null) hPrev.assign(0.0);
        else hPrev.assign(h0.array().transpose());
        cells = Tensor.temp(Nd4j.createUninitialized(dtype, steps + 1, units, batch));
        INDArray cPrev = block(cells, 0, units, batch);
        if (c0 == null) cPrev.assign(0.0);
        else cPrev.assign(c0.array().transpose());
        gates = Tensor.temp(Nd4j.createUninitialized(dtype, 4, steps, units, batch));
        INDArray z = Tensor.temp(Nd4j.createUninitialized(dtype, 4 * units, batch));
        INDArray[] zByGate = byGate(z);
        INDArray work = Tensor.temp(Nd4j.createUninitialized(dtype, units, batch));
        HostPointwise host = HostLoops.enabled() && dtype == DataType.FLOAT ? new HostPointwise(z) : null;
        for (long t = 0; t < steps; t++) {
            Gemm.into(weights, true, block(inputs, t * width * batch, width, batch), false, z, 1.0, 0.0);  // z = Wᵀ·xh
            INDArray c = block(cells, (t + 1) * ub, units, batch);
            INDArray h = block(inputs, (t + 1) * width * batch + features * batch, units, batch);
            if (host != null) {
                host.step((int) t);
            } else {
                INDArray i = gate(gates, 0, t);
                INDArray f = gate(gates, 1, t);
                INDArray g = gate(gates, 2, t);
                INDArray o = gate(gates, 3, t);
                Nd4j.exec(new Sigmoid(zByGate[0], i));
                Nd4j.exec(new Sigmoid(zByGate[1], f));
                Nd4j.exec(new Tanh(zByGate[2], g));
                Nd4j.exec(new Sigmoid(zByGate[3], o));
                Nd4j.exec(new MulOp(f, cPrev, c));
                Nd4j.exec(new MulOp(i, g, work));
                c.addi(work);                                                   // cₜ = f·cₜ₋₁ + i·g
                Nd4j.exec(new Tanh(c, work));
                Nd4j.exec(new MulOp(o, work, h));                               // hₜ = o·tanh cₜ
                if (!full[(int) t]) {                                           // a masked step keeps the previous state
                    INDArray m = vector(keep, t * batch, batch);
                    INDArray notM = vector(dropped, t * batch, batch);
                    Recurrent.keepWhereMasked(c, cPrev, m, notM, work);
                    Recurrent.keepWhereMasked(h, hPrev, m, notM, work);
                }
            }
            hPrev = h;
            cPrev = c;
        }
        INDArray lastHidden = Recurrent.batchRows(hPrev);
        INDArray lastCell = Recurrent.batchRows(cPrev);
        if (!returnSequences) return new INDArray[] {lastHidden, lastCell};
        return new INDArray[] {Recurrent.batchMajor(rows(steps(inputs, 1, steps + 1), features, features + units)), lastHidden, lastCell};
    }

    /**
     * A step's element-wise part in float32 on the CPU, on the heap: the gates' activations, cₜ and hₜ with
     * {@link HostMath}'s vectorized σ and tanh (ND4J's sigmoid and tanh transforms took half of the forward pass), the
     * states kept on the heap from step to step. Writes the gates, cₜ and hₜ where the ND4J ops would.
     */
    private final class HostPointwise {
        private final int ub = Math.toIntExact(units * batch);
        private final FloatBuffer zBuffer;
        private final FloatBuffer gateBuffer = gates.data().asNioFloat();
        private final FloatBuffer cellBuffer = cells.data().asNioFloat();
        private final FloatBuffer inputBuffer = inputs.data().asNioFloat();
        private final float[] keepValues = keep == null ? null : keep.data().asFloat();
        private final float[] z = new float[4 * ub];
        private final float[] scratch = new float[4 * ub];
        private final float[] tanhCell = new float[ub];
        private float[] cell = new float[ub];
        private float[] hidden = new float[ub];
        private float[] cellBefore = new float[ub];
        private float[] hiddenBefore = new float[ub];

        HostPointwise(INDArray z) {
            this.zBuffer = z.data().asNioFloat();
            cellBuffer.get(0, cellBefore, 0, ub);                                          // c₋₁
            inputBuffer.get(Math.toIntExact(features * batch), hiddenBefore, 0, ub);       // h₋₁
        }

        void step(int t) {
            zBuffer.get(0, z, 0, 4 * ub);
            HostMath.sigmoid(z, z, 0, 2 * ub, scratch);                      // i, f
            HostMath.tanh(z, z, 2 * ub, 3 * ub, scratch);                    // g
            HostMath.sigmoid(z, z, 3 * ub, 4 * ub, scratch);                 // o
            for (int e = 0; e < ub; e++) cell[e] = z[ub + e] * cellBefore[e] + z[e] * z[2 * ub + e];
            HostMath.tanh(cell, tanhCell, 0, ub, scratch);
            for (int e = 0; e < ub; e++) hidden[e] = z[3 * ub + e] * tanhCell[e];
            if (!full[t]) {                                                  // a masked step keeps the previous state
                int b = (int) batch;
                for (int e = 0; e < ub; e++) {
                    float m = keepValues[t * b + e % b];
                    cell[e] = cell[e] * m + cellBefore[e] * (1 - m);
                    hidden[e] = hidden[e] * m + hiddenBefore[e] * (1 - m);
                }
            }
            for (int k = 0; k < 4; k++) gateBuffer.put(Math.toIntExact((k * steps + t) * ub), z, k * ub, ub);
            cellBuffer.put(Math.toIntExact((t + 1) * (long) ub), cell, 0, ub);
            inputBuffer.put(Math.toIntExact((t + 1) * width * batch + features * batch), hidden, 0, ub);
            float[] swap = cellBefore;
            cellBefore = cell;
            cell = swap;
            swap = hiddenBefore;
            hiddenBefore = hidden;
            hidden = swap;
        }
    }

    /** Gradients of x, kernel, recurrentKernel, bias, h0 and c0 from those of the sequence, last h and last c (each may be null). */
    private INDArray[] backward(INDArray dSequence, INDArray dLastHidden, INDArray dLastCell, Tensor x, Tensor h0, Tensor c0) {
        long ub = units * batch;
        INDArray factors = Tensor.temp(Nd4j.createUninitialized(dtype, 4, steps, units, batch));
        INDArray cellFactor = factors(factors);
        INDArray carry = keep == null ? gates : carry();
        int carryGate = keep == null ? 1 : 0;

        INDArray dInputs = Tensor.temp(Nd4j.zeros(dtype, steps + 1, width, batch));   // d xh per step; step t + 1 holds dhₜ
        if (dSequence != null) rows(steps(dInputs, 1, steps + 1), features, features + units).assign(dSequence.permute(1, 2, 0));
        if (dLastHidden != null) block(dInputs, steps * width * batch + features * batch, units, batch).addi(dLastHidden.transpose());
        INDArray dCell = Tensor.temp(dLastCell == null ? Nd4j.zeros(dtype, units, batch) : dLastCell.transpose().dup('c'));
        INDArray dWeights = Tensor.temp(Nd4j.zeros(dtype, width, 4 * units));
        INDArray dz = Tensor.temp(Nd4j.createUninitialized(dtype, 4 * units, batch));
        INDArray[] dzByGate = byGate(dz);
        INDArray work = Tensor.temp(Nd4j.createUninitialized(dtype, units, batch));
        HostBackward host = HostLoops.enabled() && dtype == DataType.FLOAT
                ? new HostBackward(factors, cellFactor, carry, carryGate, dInputs, dCell, dz) : null;
        for (long t = steps - 1; t >= 0; t--) {
            INDArray dh = block(dInputs, (t + 1) * width * batch + features * batch, units, batch);
            if (host != null) {
                host.step((int) t);
            } else {
                Nd4j.exec(new MulOp(dh, block(cellFactor, t * ub, units, batch), work));
                dCell.addi(work);                                                              // e
                for (int k = 0; k < 3; k++) Nd4j.exec(new MulOp(dCell, gate(factors, k, t), dzByGate[k]));
                Nd4j.exec(new MulOp(dh, gate(factors, 3, t), dzByGate[3]));
                dCell.muli(gate(carry, carryGate, t));                                        // dcₜ₋₁
            }
            INDArray xh = block(inputs, t * width * batch, width, batch);
            INDArray dxh = block(dInputs, t * width * batch, width, batch);
            Gemm.into(weights, false, dz, false, dxh, 1.0, 1.0);                               // dxₜ, dhₜ₋₁ += W·dz
            Gemm.into(xh, false, dz, true, dWeights, 1.0, 1.0);                                // dW += xh·dzᵀ
            if (!full[(int) t]) {                                                              // a masked step passes dh on
                block(dInputs, t * width * batch + features * batch, units, batch).addi(dh.muliRowVector(vector(dropped, t * batch, batch)));
            }
        }
        if (host != null) host.finish();
        return new INDArray[] {
            x.requiresGrad() ? Recurrent.batchMajorInputs(rows(steps(dInputs, 0, steps), 0, features), goBackwards) : null,
            block(dWeights, 0, features, 4 * units),
            block(dWeights, features * 4 * units, units, 4 * units),
            hasBias ? vector(dWeights, (features + units) * 4 * units, 4 * units) : null,
            h0 != null && h0.requiresGrad() ? Recurrent.batchRows(block(dInputs, features * batch, units, batch)) : null,
            c0 != null && c0.requiresGrad() ? Recurrent.batchRows(dCell) : null};
    }

    /**
     * A backward step's element-wise part in float32 on the CPU, on the heap: e, the four dz blocks and dcₜ₋₁ from
     * heap copies of the factors, which replaces seven ND4J ops per step (their dispatch was most of the step at
     * W2's [64, 32] blocks). dh is read after the previous step's GEMMs have added into it; dz goes back for this
     * step's GEMMs; dc stays on the heap until {@link #finish}.
     */
    private final class HostBackward {
        private final int ub = Math.toIntExact(units * batch);
        private final int span = Math.toIntExact(steps * ub);   // one gate's values over all steps
        private final float[] factorValues;     // [4, T, U, B]
        private final float[] cellFactorValues; // [T, U, B]
        private final float[] carryValues;      // [T, U, B]: f, or 1 − m(1 − f) with a mask
        private final FloatBuffer dInputBuffer;
        private final FloatBuffer dzBuffer;
        private final INDArray dCellArray;
        private final float[] dCell = new float[ub];
        private final float[] dh = new float[ub];
        private final float[] dz = new float[4 * ub];

        HostBackward(INDArray factors, INDArray cellFactor, INDArray carry, int carryGate, INDArray dInputs, INDArray dCellArray,
                     INDArray dz) {
            factorValues = new float[4 * span];
            factors.data().asNioFloat().get(0, factorValues, 0, 4 * span);
            cellFactorValues = new float[span];
            cellFactor.data().asNioFloat().get(0, cellFactorValues, 0, span);
            carryValues = new float[span];
            carry.data().asNioFloat().get(carryGate * span, carryValues, 0, span);
            dInputBuffer = dInputs.data().asNioFloat();
            dzBuffer = dz.data().asNioFloat();
            this.dCellArray = dCellArray;
            dCellArray.data().asNioFloat().get(0, dCell, 0, ub);
        }

        void step(int t) {
            int at = t * ub;
            dInputBuffer.get(Math.toIntExact((t + 1) * width * batch + features * batch), dh, 0, ub);
            for (int e = 0; e < ub; e++) {
                float error = dCell[e] + dh[e] * cellFactorValues[at + e];                 // e
                dz[e] = error * factorValues[at + e];
                dz[ub + e] = error * factorValues[span + at + e];
                dz[2 * ub + e] = error * factorValues[2 * span + at + e];
                dz[3 * ub + e] = dh[e] * factorValues[3 * span + at + e];
                dCell[e] = error * carryValues[at + e];                                     // dcₜ₋₁
            }
            dzBuffer.put(0, dz, 0, 4 * ub);
        }

        void finish() { dCellArray.data().asNioFloat().put(0, dCell, 0, ub); }
    }

    /**
     * Fills {@code factors} gate by gate with g·i(1 − i), cₜ₋₁·f(1 − f), i(1 − g²) (each multiplies e) and
     * tanh cₜ·o(1 − o) (multiplies dh), all times the mask; returns o(1 − tanh²cₜ)·m, which multiplies dh into e.
     */
    private INDArray factors(INDArray factors) {
        INDArray i = gate(gates, 0);
        INDArray f = gate(gates, 1);
        INDArray g = gate(gates, 2);
        INDArray o = gate(gates, 3);
        INDArray tanhCell = Tensor.temp(Nd4j.createUninitialized(dtype, steps, units, batch));
        Nd4j.exec(new Tanh(steps(cells, 1, steps + 1), tanhCell));
        oneMinusTimes(i, i, gate(factors, 0)).muli(g);
        oneMinusTimes(f, f, gate(factors, 1)).muli(steps(cells, 0, steps));
        INDArray fg = gate(factors, 2);
        Nd4j.exec(new MulOp(g, g, fg));
        fg.rsubi(1.0).muli(i);
        oneMinusTimes(o, o, gate(factors, 3)).muli(tanhCell);
        INDArray cellFactor = tanhCell.muli(tanhCell).rsubi(1.0).muli(o);
        if (keep != null) {
            for (int k = 0; k < 4; k++) Nd4j.exec(new BroadcastMulOp(gate(factors, k), keep, gate(factors, k), 0, 2));
            Nd4j.exec(new BroadcastMulOp(cellFactor, keep, cellFactor, 0, 2));
        }
        return cellFactor;
    }

    /** out = (1 − a)·b. */
    private static INDArray oneMinusTimes(INDArray a, INDArray b, INDArray out) {
        Nd4j.exec(new ScalarReverseSubtraction(a, out, 1.0));
        return out.muli(b);
    }

    /** dcₜ₋₁ / e with a mask: 1 − m(1 − f), [T, U, B]. */
    private INDArray carry() {
        INDArray carry = Tensor.temp(Nd4j.createUninitialized(dtype, steps, units, batch));
        Nd4j.exec(new ScalarReverseSubtraction(gate(gates, 1), carry, 1.0));
        Nd4j.exec(new BroadcastMulOp(carry, keep, carry, 0, 2));
        return carry.rsubi(1.0);
    }
}
