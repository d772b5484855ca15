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
     * (null: none; block b·N + h takes its stream of the draw), times v. For {@link #backward}, when given, the
     * weights [B, N, Tq, Tk] are written to {@code weights} and the dropped-out weights to {@code dropped}.
     */
    static INDArray forward(INDArray query, INDArray key, INDArray value, INDArray mask, DropoutDraw dropout, INDArray weights,
                            INDArray dropped) {
        var x = new Operands(query, key, value);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.batch, x.tq, x.heads, x.valueDepth);
        if (out.length() == 0) return out;
        if (x.tk == 0) return out.assign(0);
        x.inParts((from, to) -> forwardRows(x, mask, dropout, weights, dropped, out, from, to));
        x.close();
        return out;
    }

    /** {@link #forward} for batch elements [from, to), on this thread's scratch. */
    private static void forwardRows(Operands x, INDArray mask, DropoutDraw dropout, INDArray weights, INDArray dropped, INDArray out,
                                    int from, int to) {
        int block = x.tq * x.tk;
        MaskBlocks keep = mask == null ? null : new MaskBlocks(mask, x.tq, x.tk);
        FloatPointer scores = HostLoops.nativeFloatScratch(block);
        FloatBuffer scoreValues = scores.asBuffer();
        FloatBuffer keptWeights = weights == null ? null : weights.data().asNioFloat();
        FloatBuffer keptDropped = dropped == null || dropped == weights ? null : dropped.data().asNioFloat();
        float[] p = HostLoops.floatScratch(0, block), scratch = HostLoops.floatScratch(1, block);
        float[] factors = dropout == null ? null : HostLoops.floatScratch(3, block);
        FloatPointer pq = pointer(x.q), pk = pointer(x.k), pv = pointer(x.v), po = pointer(out);
        for (int b = from; b < to; b++) {
            float[] keepBlock = keep == null ? null : keep.of(b);
            for (int h = 0; h < x.heads; h++) {
                CpuBlas.sgemm(x.tq, x.tk, x.depth, pq, x.queryAt(b, h), x.queryRow, false, pk, x.keyAt(b, h), x.queryRow, true, scores, 0, x.tk);
                scoreValues.get(0, p, 0, block);
                if (keepBlock != null) for (int i = 0; i < block; i++) p[i] += (1f - keepBlock[i]) * LARGE_NEGATIVE;
                HostMath.softmaxRows(p, block, x.tk, scratch);
                if (keepBlock != null) for (int i = 0; i < block; i++) p[i] *= keepBlock[i];
                int first = (b * x.heads + h) * block;       // used only when the weights are kept, which fit an int
                if (keptWeights != null) keptWeights.put(first, p, 0, block);
                if (dropout != null) {
                    dropout.fill(factors, block, b * x.heads + h);
                    for (int i = 0; i < block; i++) p[i] *= factors[i];
                    if (keptDropped != null) keptDropped.put(first, p, 0, block);
                }
                scoreValues.put(0, p, 0, block);
                CpuBlas.sgemm(x.tq, x.valueDepth, x.tk, scores, 0, x.tk, false, pv, x.valueAt(b, h), x.valueRow, false,
                        po, x.outAt(b, h), x.valueRow);
            }
        }
    }

    /**
     * The gradients [dQuery, dKey, dValue] of {@link #forward} for the output's gradient g [B, Tq, N, V], from the
     * weights P and dropped-out weights P' it kept (the same array without dropout). For each block: dP' = g·vᵀ and
     * dv = P'ᵀ·g; the gradient of the scores dS = P'·dP' − P·(Σ P'·dP' over each row), the softmax's gradient through
     * dropout's factors (masked weights are 0, so masked scores get none); dq = dS·k and dk = dSᵀ·q.
     */
    static INDArray[] backward(INDArray query, INDArray key, INDArray value, INDArray weights, INDArray dropped, INDArray g) {
        INDArray dq = Nd4j.createUninitialized(DataType.FLOAT, query.shape());
        INDArray dk = Nd4j.createUninitialized(DataType.FLOAT, key.shape());
        INDArray dv = Nd4j.createUninitialized(DataType.FLOAT, value.shape());
        if (g.length() == 0 || weights.length() == 0) {           // no output or no weights: nothing reaches the inputs
            for (INDArray d : new INDArray[] {dq, dk, dv}) if (d.length() > 0) d.assign(0);
            return new INDArray[] {dq, dk, dv, null};
        }
        var x = new Operands(query, key, value);
        INDArray dOut = Gemm.rowMajor(g);
        x.inParts((from, to) -> backwardRows(x, weights, dropped, dOut, dq, dk, dv, from, to));
        x.close();
        if (dOut != g) dOut.close();
        return new INDArray[] {dq, dk, dv, null};
    }

    /** {@link #backward} for batch elements [from, to), on this thread's scratch. */
    private static void backwardRows(Operands x, INDArray weights, INDArray dropped, INDArray g, INDArray dq, INDArray dk, INDArray dv,
                                     int from, int to) {
        int block = x.tq * x.tk;
        FloatPointer scratchBlock = HostLoops.nativeFloatScratch(block);          // dP', then dS
        FloatBuffer blockValues = scratchBlock.asBuffer(), keptWeights = weights.data().asNioFloat();
        FloatBuffer keptDropped = dropped.data().asNioFloat();
        float[] p = HostLoops.floatScratch(0, block), gradient = HostLoops.floatScratch(1, block);
        float[] pDropped = dropped == weights ? p : HostLoops.floatScratch(3, block);
        FloatPointer pq = pointer(x.q), pk = pointer(x.k), pv = pointer(x.v), pg = pointer(g), pd = pointer(dropped);
        FloatPointer pdq = pointer(dq), pdk = pointer(dk), pdv = pointer(dv);
        for (int b = from; b < to; b++) {
            for (int h = 0; h < x.heads; h++) {
                int first = (b * x.heads + h) * block;
                long queryAt = x.queryAt(b, h), keyAt = x.keyAt(b, h), valueAt = x.valueAt(b, h), outAt = x.outAt(b, h);
                CpuBlas.sgemm(x.tk, x.valueDepth, x.tq, pd, first, x.tk, true, pg, outAt, x.valueRow, false, pdv, valueAt, x.valueRow);
                CpuBlas.sgemm(x.tq, x.tk, x.valueDepth, pg, outAt, x.valueRow, false, pv, valueAt, x.valueRow, true, scratchBlock, 0, x.tk);
                keptWeights.get(first, p, 0, block);
                if (pDropped != p) keptDropped.get(first, pDropped, 0, block);
                blockValues.get(0, gradient, 0, block);
                HostMath.softmaxRowsGrad(p, pDropped, gradient, block, x.tk);
                blockValues.put(0, gradient, 0, block);
                CpuBlas.sgemm(x.tq, x.depth, x.tk, scratchBlock, 0, x.tk, false, pk, keyAt, x.queryRow, false, pdq, queryAt, x.queryRow);
                CpuBlas.sgemm(x.tk, x.depth, x.tq, scratchBlock, 0, x.tk, true, pq, queryAt, x.queryRow, false, pdk, keyAt, x.queryRow);
            }
        }
    }

    /**
     * The dense row-major query, key and value of one call, their sizes, and where each block's rows start: the rows
     * of one head are a whole step apart (queryRow = N·H, valueRow = N·V floats).
     */
    private static final class Operands {
        final INDArray query, key, value, q, k, v;
        final int batch, tq, tk, heads, depth, valueDepth, queryRow, valueRow;

        Operands(INDArray query, INDArray key, INDArray value) {
            this.query = query;
            this.key = key;
            this.value = value;
            q = Gemm.rowMajor(query);
            k = Gemm.rowMajor(key);
            v = Gemm.rowMajor(value);
            batch = (int) query.size(0);
            tq = (int) query.size(1);
            heads = (int) query.size(2);
            depth = (int) query.size(3);
            tk = (int) key.size(1);
            valueDepth = (int) value.size(3);
            queryRow = heads * depth;
            valueRow = heads * valueDepth;
        }

        long queryAt(int b, int h) { return (long) b * tq * queryRow + (long) h * depth; }

        long keyAt(int b, int h) { return (long) b * tk * queryRow + (long) h * depth; }

        long valueAt(int b, int h) { return (long) b * tk * valueRow + (long) h * valueDepth; }

        long outAt(int b, int h) { return (long) b * tq * valueRow + (long) h * valueDepth; }

        /**
         * rows(from, to) over the batch, in one part per Kiln thread side by side ({@link SideBySide}) when each
         * part gets at least {@link #MIN_WORK_PER_PART} multiply-adds. W3's training batch of 32 gives each part 16
         * elements of 2 heads; a part's scratch and pointers are its own thread's.
         */
        void inParts(Rows rows) {
            long work = (long) batch * heads * tq * tk * (depth + valueDepth);
            int parts = SideBySide.parts(Math.min(batch, work / MIN_WORK_PER_PART), 1);
            SideBySide.run(parts, part -> {
                rows.run(batch * part / parts, batch * (part + 1) / parts);
                return null;
            });
        }

        /** Frees the dense copies {@link Gemm#rowMajor} made. */
        void close() {
            if (q != query) q.close();
            if (k != key) k.close();
            if (v != value) v.close();
        }
    }

    /** The fewest multiply-adds worth handing to another thread: about 50 µs of one core's work. */
    static final long MIN_WORK_PER_PART = 1L << 21;

    @FunctionalInterface
    private interface Rows {
        void run(int from, int to);
    }

    private static FloatPointer pointer(INDArray x) { return new FloatPointer(x.data().addressPointer()); }

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
