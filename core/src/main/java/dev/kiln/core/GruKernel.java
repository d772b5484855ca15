package dev.kiln.core;

import static dev.kiln.core.Recurrent.block;
import static dev.kiln.core.Recurrent.rows;
import static dev.kiln.core.Recurrent.steps;
import static dev.kiln.core.Recurrent.vector;
import static dev.kiln.core.Recurrent.view;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarReverseSubtraction;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The composed GRU behind {@link NN#gru}, Keras's equations (gate order z, r, h) in the layout of
 * {@link Recurrent}, with a hand-written backward through time (ND4J's gru_bp and gruCell_bp are wrong).
 *
 * <p>One GEMM per step computes every projection at once: with xh = [xₜ; hₜ₋₁; 1] [K, B], the columns of
 * W [K, P] give p = Wᵀ·xh = [z̃, r̃, x̃ (, h̃)] where z̃, r̃ = x·kernel_zr + h·recurrent_zr + biases,
 * x̃ = x·kernel_h + input bias_h and, with resetAfter, h̃ = h·recurrent_h + recurrent bias_h (P = 4U; else 3U):
 * <pre>
 *   z = σ(z̃),  r = σ(r̃)
 *   resetAfter:  ĥ = tanh(x̃ + r·h̃)            otherwise: ĥ = tanh(x̃ + (r·hₜ₋₁)·recurrent_h)
 *   hₜ = z·hₜ₋₁ + (1 − z)·ĥ = ĥ + z·(hₜ₋₁ − ĥ);  at a masked step hₜ = hₜ₋₁
 * </pre>
 * Backward, with the mask m folded into the factors (all computed at once for every step):
 * <pre>
 *   dĥ̃ = dh·m(1 − z)(1 − ĥ²)   (the gradient of ĥ's pre-activation; it is dx̃)
 *   dz̃ = dh·m·(hₜ₋₁ − ĥ)·z(1 − z)
 *   resetAfter:  dr̃ = dĥ̃·h̃·r(1 − r),  dh̃ = dĥ̃·r
 *   otherwise:   d(r·h) = recurrent_h·dĥ̃,  dr̃ = d(r·h)·hₜ₋₁·r(1 − r),  dhₜ₋₁ += d(r·h)·r
 *   dhₜ₋₁ += dh·(1 − m(1 − z)) + (W·dp)_h,  dxₜ = (W·dp)_x,  dW += xh·dpᵀ
 * </pre>
 */
final class GruKernel {

    private static final int Z = 0, R = 1, CANDIDATE = 2, DIFFERENCE = 3, PROJECTION = 4;   // slots of the saved values

    private final long batch;
    private final long steps;
    private final long features;
    private final long units;
    private final long width;          // K: the rows of xh
    private final long projections;    // P: the columns of W
    private final boolean goBackwards;
    private final boolean hasBias;
    private final boolean resetAfter;
    private final DataType dtype;
    private final INDArray keep;       // the mask, time-major [T, B], or null
    private final INDArray dropped;    // 1 − keep, or null
    private final boolean[] full;      // per step: no sequence is masked there
    private INDArray weights;          // W [K, P]
    private INDArray candidateKernel;  // recurrent_h [U, U], without resetAfter
    private INDArray inputs;           // xh of every step [T + 1, K, B]; hₜ is in rows [C, C + U) of step t + 1
    private INDArray saved;            // z, r, ĥ, hₜ₋₁ − ĥ and h̃ (resetAfter) or r·hₜ₋₁, slot by slot [5, T, U, B]

    private GruKernel(Tensor x, long units, boolean hasBias, boolean resetAfter, Tensor mask, boolean goBackwards) {
        Shape s = x.shape();
        this.batch = s.get(0);
        this.steps = s.get(1);
        this.features = s.get(2);
        this.units = units;
        this.hasBias = hasBias;
        this.resetAfter = resetAfter;
        this.width = features + units + (hasBias ? 1 : 0);
        this.projections = (resetAfter ? 4 : 3) * units;
        this.goBackwards = goBackwards;
        this.dtype = x.array().dataType();
        this.keep = Recurrent.timeMajorMask(mask, dtype, goBackwards);
        this.dropped = keep == null ? null : Tensor.temp(keep.rsub(1.0));
        this.full = Recurrent.fullSteps(keep, steps);
    }

    static NN.GruOutputs run(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor initialHidden, Tensor mask,
                             boolean goBackwards, boolean returnSequences, boolean resetAfter) {
        long u = recurrentKernel.shape().get(0);
        long units = Recurrent.checkWeights("gru", x, kernel, recurrentKernel, 3, bias, resetAfter ? Shape.of(2, 3 * u) : Shape.of(3 * u));
        Recurrent.checkState("gru", "initial hidden state", initialHidden, x.shape().get(0), units);
        Recurrent.checkMask("gru", mask, x.shape());
        var gru = new GruKernel(x, units, bias != null, resetAfter, mask, goBackwards);
        INDArray[] outputs = gru.forward(x, kernel, recurrentKernel, bias, initialHidden, returnSequences);
        int last = returnSequences ? 1 : 0;
        Tensor[] results = Tensor.deriveMany("gru", outputs,
                g -> gru.backward(returnSequences ? g[0] : null, g[last], x, recurrentKernel, bias, initialHidden),
                x, kernel, recurrentKernel, bias, initialHidden);
        return new NN.GruOutputs(returnSequences ? results[0] : null, results[last]);
    }

    /** Slot k of step t, [U, B]. */
    private INDArray slot(INDArray bySlot, int k, long t) { return block(bySlot, (k * steps + t) * units * batch, units, batch); }

    /** Slot k of every step, [T, U, B]. */
    private INDArray slot(INDArray bySlot, int k) { return view(bySlot, k * steps * units * batch, steps, units, batch); }

    private static INDArrayIndex[] at(long rowFrom, long rowTo, long columnFrom, long columnTo) {
        return new INDArrayIndex[] {NDArrayIndex.interval(rowFrom, rowTo), NDArrayIndex.interval(columnFrom, columnTo)};
    }

    /** Lays kernel, recurrent kernel and biases out as W (see the class comment). */
    private void assembleWeights(INDArray kernel, INDArray recurrentKernel, INDArray bias) {
        long u = units;
        long c = features;
        weights = Tensor.temp(Nd4j.zeros(dtype, width, projections));
        weights.get(at(0, c, 0, 3 * u)).assign(kernel);
        weights.get(at(c, c + u, 0, 2 * u)).assign(recurrentKernel.get(at(0, u, 0, 2 * u)));
        if (resetAfter) weights.get(at(c, c + u, 3 * u, 4 * u)).assign(recurrentKernel.get(at(0, u, 2 * u, 3 * u)));
        else candidateKernel = Tensor.temp(recurrentKernel.get(at(0, u, 2 * u, 3 * u)).dup('c'));
        if (!hasBias) return;
        INDArray biasRow = weights.get(at(width - 1, width, 0, projections));
        if (resetAfter) {
            biasRow.get(at(0, 1, 0, 3 * u)).assign(bias.get(at(0, 1, 0, 3 * u)));
            biasRow.get(at(0, 1, 0, 2 * u)).addi(bias.get(at(1, 2, 0, 2 * u)));
            biasRow.get(at(0, 1, 3 * u, 4 * u)).assign(bias.get(at(1, 2, 2 * u, 3 * u)));
        } else {
            biasRow.assign(bias.reshape(1, 3 * u));
        }
    }

    /** Runs every step; returns the sequence (when asked for) and the last hidden state. */
    private INDArray[] forward(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor h0, boolean returnSequences) {
        long ub = units * batch;
        assembleWeights(kernel.array(), recurrentKernel.array(), bias == null ? null : bias.array());
        inputs = Tensor.temp(Nd4j.createUninitialized(dtype, steps + 1, width, batch));
        Recurrent.copyInputs(Recurrent.inProcessingOrder(x.array(), goBackwards), inputs);
        if (hasBias) rows(inputs, features + units, width).assign(1.0);
        INDArray hPrev = block(inputs, features * batch, units, batch);
        if (h0 == null) hPrev.assign(0.0);
        else hPrev.assign(h0.array().transpose());
        saved = Tensor.temp(Nd4j.createUninitialized(dtype, 5, steps, units, batch));
        INDArray p = Tensor.temp(Nd4j.createUninitialized(dtype, projections, batch));
        INDArray pz = block(p, 0, units, batch);
        INDArray pr = block(p, ub, units, batch);
        INDArray px = block(p, 2 * ub, units, batch);
        INDArray ph = resetAfter ? block(p, 3 * ub, units, batch) : null;
        INDArray work = Tensor.temp(Nd4j.createUninitialized(dtype, units, batch));
        for (long t = 0; t < steps; t++) {
            Gemm.into(weights, true, block(inputs, t * width * batch, width, batch), false, p, 1.0, 0.0);   // p = Wᵀ·xh
            INDArray z = slot(saved, Z, t);
            INDArray r = slot(saved, R, t);
            INDArray candidate = slot(saved, CANDIDATE, t);
            INDArray difference = slot(saved, DIFFERENCE, t);
            INDArray projection = slot(saved, PROJECTION, t);
            Nd4j.exec(new Sigmoid(pz, z));
            Nd4j.exec(new Sigmoid(pr, r));
            if (resetAfter) {
                projection.assign(ph);                                                   // h̃
                Nd4j.exec(new MulOp(r, ph, work));
            } else {
                Nd4j.exec(new MulOp(r, hPrev, projection));                              // r·hₜ₋₁
                Gemm.into(candidateKernel, true, projection, false, work, 1.0, 0.0);
            }
            work.addi(px);
            Nd4j.exec(new Tanh(work, candidate));                                        // ĥ
            Nd4j.exec(new SubOp(hPrev, candidate, difference));                          // hₜ₋₁ − ĥ
            Nd4j.exec(new MulOp(z, difference, work));
            INDArray h = block(inputs, (t + 1) * width * batch + features * batch, units, batch);
            Nd4j.exec(new AddOp(candidate, work, h));                                    // hₜ = ĥ + z·(hₜ₋₁ − ĥ)
            if (!full[(int) t]) Recurrent.keepWhereMasked(h, hPrev, vector(keep, t * batch, batch), vector(dropped, t * batch, batch), work);
            hPrev = h;
        }
        INDArray lastHidden = Recurrent.batchRows(hPrev);
        if (!returnSequences) return new INDArray[] {lastHidden};
        return new INDArray[] {Recurrent.batchMajor(rows(steps(inputs, 1, steps + 1), features, features + units)), lastHidden};
    }

    /** Gradients of x, kernel, recurrentKernel, bias and h0 from those of the sequence and the last h (each may be null). */
    private INDArray[] backward(INDArray dSequence, INDArray dLastHidden, Tensor x, Tensor recurrentKernel, Tensor bias, Tensor h0) {
        long ub = units * batch;
        INDArray factors = Tensor.temp(Nd4j.createUninitialized(dtype, 4, steps, units, batch));
        INDArray carry = factors(factors);

        INDArray dInputs = Tensor.temp(Nd4j.zeros(dtype, steps + 1, width, batch));   // d xh per step; step t + 1 holds dhₜ
        if (dSequence != null) rows(steps(dInputs, 1, steps + 1), features, features + units).assign(dSequence.permute(1, 2, 0));
        if (dLastHidden != null) block(dInputs, steps * width * batch + features * batch, units, batch).addi(dLastHidden.transpose());
        INDArray dWeights = Tensor.temp(Nd4j.zeros(dtype, width, projections));
        INDArray dCandidateKernel = resetAfter ? null : Tensor.temp(Nd4j.zeros(dtype, units, units));
        INDArray dp = Tensor.temp(Nd4j.createUninitialized(dtype, projections, batch));
        INDArray dpz = block(dp, 0, units, batch);
        INDArray dpr = block(dp, ub, units, batch);
        INDArray dpx = block(dp, 2 * ub, units, batch);
        INDArray dph = resetAfter ? block(dp, 3 * ub, units, batch) : null;
        INDArray work = Tensor.temp(Nd4j.createUninitialized(dtype, units, batch));
        for (long t = steps - 1; t >= 0; t--) {
            INDArray dh = block(dInputs, (t + 1) * width * batch + features * batch, units, batch);
            INDArray dhPrev = block(dInputs, t * width * batch + features * batch, units, batch);
            INDArray xh = block(inputs, t * width * batch, width, batch);
            Nd4j.exec(new MulOp(dh, slot(factors, 0, t), dpz));
            Nd4j.exec(new MulOp(dh, slot(factors, 2, t), dpx));
            if (resetAfter) {
                Nd4j.exec(new MulOp(dh, slot(factors, 1, t), dpr));
                Nd4j.exec(new MulOp(dh, slot(factors, 3, t), dph));
            } else {
                Gemm.into(candidateKernel, false, dpx, false, work, 1.0, 0.0);                     // d(r·hₜ₋₁)
                Gemm.into(slot(saved, PROJECTION, t), false, dpx, true, dCandidateKernel, 1.0, 1.0);
                Nd4j.exec(new MulOp(work, block(inputs, t * width * batch + features * batch, units, batch), dpr));   // · hₜ₋₁
                dpr.muli(slot(factors, 1, t));
                dhPrev.addi(work.muli(slot(saved, R, t)));
            }
            Gemm.into(weights, false, dp, false, block(dInputs, t * width * batch, width, batch), 1.0, 1.0);   // dxₜ, dhₜ₋₁
            Gemm.into(xh, false, dp, true, dWeights, 1.0, 1.0);                                                 // dW += xh·dpᵀ
            Nd4j.exec(new MulOp(dh, slot(carry, 0, t), work));
            dhPrev.addi(work);
        }
        return new INDArray[] {
            x.requiresGrad() ? Recurrent.batchMajorInputs(rows(steps(dInputs, 0, steps), 0, features), goBackwards) : null,
            dWeights.get(at(0, features, 0, 3 * units)),
            recurrentKernel.requiresGrad() ? recurrentKernelGradient(dWeights, dCandidateKernel) : null,
            hasBias && bias.requiresGrad() ? biasGradient(dWeights) : null,
            h0 != null && h0.requiresGrad() ? Recurrent.batchRows(block(dInputs, features * batch, units, batch)) : null};
    }

    private INDArray recurrentKernelGradient(INDArray dWeights, INDArray dCandidateKernel) {
        long u = units;
        INDArray d = Nd4j.createUninitialized(dtype, u, 3 * u);
        d.get(at(0, u, 0, 2 * u)).assign(dWeights.get(at(features, features + u, 0, 2 * u)));
        d.get(at(0, u, 2 * u, 3 * u)).assign(resetAfter ? dWeights.get(at(features, features + u, 3 * u, 4 * u)) : dCandidateKernel);
        return d;
    }

    private INDArray biasGradient(INDArray dWeights) {
        long u = units;
        INDArray row = dWeights.get(at(width - 1, width, 0, projections));
        if (!resetAfter) return vector(dWeights, (width - 1) * projections, 3 * u).dup();
        INDArray d = Nd4j.createUninitialized(dtype, 2, 3 * u);
        d.get(at(0, 1, 0, 3 * u)).assign(row.get(at(0, 1, 0, 3 * u)));
        d.get(at(1, 2, 0, 2 * u)).assign(row.get(at(0, 1, 0, 2 * u)));
        d.get(at(1, 2, 2 * u, 3 * u)).assign(row.get(at(0, 1, 3 * u, 4 * u)));
        return d;
    }

    /**
     * Fills {@code factors} slot by slot with the multipliers of dh: dz̃ (0), dr̃ (1; without resetAfter r(1 − r),
     * which multiplies d(r·h)·hₜ₋₁), dx̃ (2) and dh̃ (3, resetAfter only), masked; returns the direct carry
     * dhₜ₋₁ / dh = 1 − m(1 − z) in slot 0 of a new array (z itself without a mask).
     */
    private INDArray factors(INDArray factors) {
        INDArray z = slot(saved, Z);
        INDArray r = slot(saved, R);
        INDArray candidate = slot(saved, CANDIDATE);
        INDArray oneMinusZ = Tensor.temp(Nd4j.createUninitialized(dtype, steps, units, batch));
        Nd4j.exec(new ScalarReverseSubtraction(z, oneMinusZ, 1.0));
        INDArray fz = slot(factors, 0);
        Nd4j.exec(new MulOp(z, oneMinusZ, fz));
        fz.muli(slot(saved, DIFFERENCE));                                                  // (hₜ₋₁ − ĥ)·z(1 − z)
        INDArray fx = slot(factors, 2);
        Nd4j.exec(new MulOp(candidate, candidate, fx));
        fx.rsubi(1.0).muli(oneMinusZ);                                                     // (1 − ĥ²)(1 − z)
        INDArray fr = slot(factors, 1);
        Nd4j.exec(new ScalarReverseSubtraction(r, fr, 1.0));
        fr.muli(r);                                                                        // r(1 − r)
        if (resetAfter) {
            fr.muli(slot(saved, PROJECTION)).muli(fx);                                     // · h̃ · dx̃-factor
            Nd4j.exec(new MulOp(fx, r, slot(factors, 3)));
        }
        if (keep == null) return saved;
        int masked = resetAfter ? 4 : 3;
        for (int k = 0; k < masked; k++) {
            if (k == 1 && !resetAfter) continue;
            Nd4j.exec(new BroadcastMulOp(slot(factors, k), keep, slot(factors, k), 0, 2));
        }
        Nd4j.exec(new BroadcastMulOp(oneMinusZ, keep, oneMinusZ, 0, 2));
        return oneMinusZ.rsubi(1.0);                                                       // 1 − m(1 − z)
    }
}
