package dev.kiln.core;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dot-product attention in float32 on the CPU ({@link NN#dotProductAttention}), block by block: for each batch
 * element and head, one GEMM puts that block's scores q·kᵀ [Tq, Tk] into reused native scratch; they are masked,
 * softmaxed and dropped out on the heap while they sit in cache, and a second GEMM multiplies them by v straight
 * into the output's rows for that head. The backward runs block by block the same way, from the weights the forward
 * kept.
 *
 * <p>Why: composed from ND4J ops, attention builds the [B, N, Tq, Tk] scores and weights whole (20 MB each for W3's
 * prediction batch of 256) and passes over them from memory: its softmax cost 3 ns a float there, against 1.8 in
 * cache. In training, ND4J's batched matmul runs slice by slice with its dispatch cost for each, and dropout on the
 * weights is three more ops over them (Bernoulli, scale, multiply): together about half of W3's training step.
 */
final class AttentionKernel {

    private AttentionKernel() {}

    /** Keras's score for masked positions: e^(s − 1e9) underflows to exactly 0. */
    static final float LARGE_NEGATIVE = -1e9f;

    /**
     * query [B, Tq, N, H], key [B, Tk, N, H], value [B, Tk, N, V], mask [B or 1, Tq or 1, Tk or 1] of 1 and 0 or
     * null, all float32 → context [B, Tq, N, V], as {@link NN#maskedSoftmax} of q·kᵀ, dropped out by {@code dropout}
     * (null: none), times v. When {@code weights} [B, N, Tq, Tk] is given, the weights before dropout are written
     * there for {@link #backward}.
     */
    static INDArray forward(INDArray query, INDArray key, INDArray value, INDArray mask, DropoutMask dropout, INDArray weights) {
        int batch = (int) query.size(0), tq = (int) query.size(1), heads = (int) query.size(2), depth = (int) query.size(3);
        int tk = (int) key.size(1), valueDepth = (int) value.size(3), block = tq * tk;
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, batch, tq, heads, valueDepth);
        if (out.length() == 0) return out;
        if (tk == 0) return out.assign(0);
        INDArray q = Gemm.rowMajor(query), k = Gemm.rowMajor(key), v = Gemm.rowMajor(value);
        MaskBlocks keep = mask == null ? null : new MaskBlocks(mask, tq, tk);
        FloatPointer scores = HostLoops.nativeFloatScratch(block);
        FloatBuffer scoreValues = scores.asBuffer();
        FloatBuffer kept = weights == null ? null : weights.data().asNioFloat();
        float[] p = HostLoops.floatScratch(0, block), scratch = HostLoops.floatScratch(1, block);
        FloatPointer pq = pointer(q), pk = pointer(k), pv = pointer(v), po = pointer(out);
        int queryRow = heads * depth, valueRow = heads * valueDepth;          // the rows of one head are a whole step apart
        for (int b = 0; b < batch; b++) {
            float[] keepBlock = keep == null ? null : keep.of(b);
            for (int h = 0; h < heads; h++) {
                CpuBlas.sgemm(tq, tk, depth, pq, (long) b * tq * queryRow + (long) h * depth, queryRow, false,
                        pk, (long) b * tk * queryRow + (long) h * depth, queryRow, true, scores, 0, tk);
                scoreValues.get(0, p, 0, block);
                if (keepBlock != null) for (int i = 0; i < block; i++) p[i] += (1f - keepBlock[i]) * LARGE_NEGATIVE;
                HostMath.softmaxRows(p, block, tk, scratch);
                if (keepBlock != null) for (int i = 0; i < block; i++) p[i] *= keepBlock[i];
                int first = (b * heads + h) * block;         // used only when the weights are kept or dropped, which fit an int
                if (kept != null) kept.put(first, p, 0, block);
                if (dropout != null) dropout.apply(p, block, first);
                scoreValues.put(0, p, 0, block);
                CpuBlas.sgemm(tq, valueDepth, tk, scores, 0, tk, false, pv, (long) b * tk * valueRow + (long) h * valueDepth, valueRow,
                        false, po, (long) b * tq * valueRow + (long) h * valueDepth, valueRow);
            }
        }
        closeCopies(query, q, key, k, value, v);
        return out;
    }

    /**
     * The gradients [dQuery, dKey, dValue] of {@link #forward} for the output's gradient g [B, Tq, N, V], from the
     * weights it kept. For each block, with P the weights and P' = P·dropout: dP' = g·vᵀ, dv = P'ᵀ·g; the softmax's
     * gradient dS = P·(dP − Σ dP·P over each row) with dP = dP'·dropout (masked weights are 0, so masked scores get
     * none); dq = dS·k and dk = dSᵀ·q.
     */
    static INDArray[] backward(INDArray query, INDArray key, INDArray value, INDArray weights, DropoutMask dropout, INDArray g) {
        int batch = (int) query.size(0), tq = (int) query.size(1), heads = (int) query.size(2), depth = (int) query.size(3);
        int tk = (int) key.size(1), valueDepth = (int) value.size(3), block = tq * tk;
        INDArray dq = Nd4j.createUninitialized(DataType.FLOAT, query.shape());
        INDArray dk = Nd4j.createUninitialized(DataType.FLOAT, key.shape());
        INDArray dv = Nd4j.createUninitialized(DataType.FLOAT, value.shape());
        if (g.length() == 0 || block == 0) {                     // no output or no weights: nothing reaches the inputs
            for (INDArray d : new INDArray[] {dq, dk, dv}) if (d.length() > 0) d.assign(0);
            return new INDArray[] {dq, dk, dv, null};
        }
        INDArray q = Gemm.rowMajor(query), k = Gemm.rowMajor(key), v = Gemm.rowMajor(value), dOut = Gemm.rowMajor(g);
        FloatPointer scratchBlocks = HostLoops.nativeFloatScratch(2L * block);   // dP' then dS; P' when dropout made one
        FloatBuffer blocks = scratchBlocks.asBuffer(), kept = weights.data().asNioFloat();
        float[] p = HostLoops.floatScratch(0, block), gradient = HostLoops.floatScratch(1, block);
        FloatPointer pq = pointer(q), pk = pointer(k), pv = pointer(v), pg = pointer(dOut), pw = pointer(weights);
        FloatPointer pdq = pointer(dq), pdk = pointer(dk), pdv = pointer(dv);
        int queryRow = heads * depth, valueRow = heads * valueDepth;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int first = (b * heads + h) * block;
                long queryAt = (long) b * tq * queryRow + (long) h * depth, keyAt = (long) b * tk * queryRow + (long) h * depth;
                long outAt = (long) b * tq * valueRow + (long) h * valueDepth, valueAt = (long) b * tk * valueRow + (long) h * valueDepth;
                kept.get(first, p, 0, block);
                FloatPointer dropped = pw;                                   // P' for dv: the kept weights themselves without dropout
                long droppedAt = first;
                if (dropout != null) {
                    System.arraycopy(p, 0, gradient, 0, block);
                    dropout.apply(gradient, block, first);
                    blocks.put(block, gradient, 0, block);
                    dropped = scratchBlocks;
                    droppedAt = block;
                }
                CpuBlas.sgemm(tk, valueDepth, tq, dropped, droppedAt, tk, true, pg, outAt, valueRow, false, pdv, valueAt, valueRow);
                CpuBlas.sgemm(tq, tk, valueDepth, pg, outAt, valueRow, false, pv, valueAt, valueRow, true, scratchBlocks, 0, tk);
                blocks.get(0, gradient, 0, block);
                if (dropout != null) dropout.apply(gradient, block, first);
                HostMath.softmaxRowsGrad(p, gradient, block, tk);
                blocks.put(0, gradient, 0, block);
                CpuBlas.sgemm(tq, depth, tk, scratchBlocks, 0, tk, false, pk, keyAt, queryRow, false, pdq, queryAt, queryRow);
                CpuBlas.sgemm(tk, depth, tq, scratchBlocks, 0, tk, true, pq, queryAt, queryRow, false, pdk, keyAt, queryRow);
            }
        }
        closeCopies(query, q, key, k, value, v);
        if (dOut != g) dOut.close();
        return new INDArray[] {dq, dk, dv, null};
    }

    private static FloatPointer pointer(INDArray x) { return new FloatPointer(x.data().addressPointer()); }

    /** Frees the dense copies {@link Gemm#rowMajor} made of the inputs (pairs of input, copy). */
    private static void closeCopies(INDArray... pairs) {
        for (int i = 0; i < pairs.length; i += 2) if (pairs[i + 1] != pairs[i]) pairs[i + 1].close();
    }

    /** One batch element's mask as a dense [Tq, Tk] block, broadcast from the mask's axes of size 1. */
    private static final class MaskBlocks {
        private final float[] values;
        private final long batchStride, queryStride, keyStride;
        private final float[] block;
        private final int tq, tk;
        private boolean filled;

        MaskBlocks(INDArray mask, int tq, int tk) {
            INDArray dense = Gemm.rowMajor(mask);
            values = dense.data().asFloat();
            if (dense != mask) dense.close();
            batchStride = mask.size(0) == 1 ? 0 : mask.size(1) * mask.size(2);
            queryStride = mask.size(1) == 1 ? 0 : mask.size(2);
            keyStride = mask.size(2) == 1 ? 0 : 1;
            block = HostLoops.floatScratch(2, tq * tk);
            this.tq = tq;
            this.tk = tk;
        }

        float[] of(int b) {
            if (filled && batchStride == 0) return block;           // one mask serves the whole batch
            for (int i = 0; i < tq; i++) {
                for (int j = 0; j < tk; j++) block[i * tk + j] = values[(int) (b * batchStride + i * queryStride + j * keyStride)];
            }
            filled = true;
            return block;
        }
    }
}
