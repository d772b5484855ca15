package dev.kiln.core;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dot-product attention in float32 on the CPU ({@link NN#dotProductAttention}), block by block: for each batch
 * element and head, one GEMM puts that block's scores q·kᵀ [Tq, Tk] into reused scratch; they are masked, softmaxed
 * and dropped out on the heap while they sit in cache, and a second GEMM multiplies them by v into the output's rows
 * for that head. The backward runs block by block the same way, from the weights the forward kept. With the Vector
 * API the GEMMs are {@link VectorMath#gemm} on heap copies of each batch element's rows; without it, OpenBLAS's on
 * the native arrays, the scores in native scratch.
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

    /** {@link #forward} for batch elements [from, to), on this thread's scratch: on the heap with the Vector API, else through BLAS. */
    private static void forwardRows(Operands x, INDArray mask, DropoutDraw dropout, INDArray weights, INDArray dropped, INDArray out,
                                    int from, int to) {
        var weigh = new Weighing(x, mask, dropout, weights, dropped);
        if (x.onHeap()) {
            forwardOnHeap(x, weigh, out, from, to);
            return;
        }
        FloatPointer scores = HostLoops.nativeFloatScratch(weigh.block);
        FloatBuffer scoreValues = scores.asBuffer();
        FloatPointer pq = pointer(x.q), pk = pointer(x.k), pv = pointer(x.v), po = pointer(out);
        for (int b = from; b < to; b++) {
            for (int h = 0; h < x.heads; h++) {
                CpuBlas.sgemm(x.tq, x.tk, x.depth, pq, x.queryAt(b, h), x.queryRow, false, pk, x.keyAt(b, h), x.queryRow, true, scores, 0, x.tk);
                scoreValues.get(0, weigh.p, 0, weigh.block);
                weigh.block(b, h);
                scoreValues.put(0, weigh.p, 0, weigh.block);
                CpuBlas.sgemm(x.tq, x.valueDepth, x.tk, scores, 0, x.tk, false, pv, x.valueAt(b, h), x.valueRow, false,
                        po, x.outAt(b, h), x.valueRow);
            }
        }
    }

    /**
     * The forward's products in {@link VectorMath#gemm} on heap copies of one batch element's rows at a time: the
     * blocks' GEMMs ([100, 16]·[16, 100] and [100, 100]·[100, 16] for W3) ran 1.4-1.5x faster than OpenBLAS's, and
     * the scores never leave the heap.
     */
    private static void forwardOnHeap(Operands x, Weighing weigh, INDArray out, int from, int to) {
        var rows = new HeapRows(x);
        float[] transposed = rows.scratch(4, x.depth * x.tk + VectorMath.lanes()), context = rows.scratch(5, x.tq * x.valueRow);
        for (int b = from; b < to; b++) {
            float[] q = rows.query(b), k = rows.key(b), v = rows.value(b);
            for (int h = 0; h < x.heads; h++) {
                transposeHead(k, x.tk, x.queryRow, h * x.depth, x.depth, transposed);
                VectorMath.gemm(x.tq, x.tk, x.depth, q, h * x.depth, x.queryRow, 1, transposed, 0, x.tk, weigh.p, 0, x.tk);
                weigh.block(b, h);
                VectorMath.gemm(x.tq, x.valueDepth, x.tk, weigh.p, 0, x.tk, 1, v, h * x.valueDepth, x.valueRow, context, h * x.valueDepth, x.valueRow);
            }
            out.data().asNioFloat().put(b * x.tq * x.valueRow, context, 0, x.tq * x.valueRow);
        }
    }

    /**
     * One part's softmax of each block of scores, in place in {@link #p}: masked, softmaxed, kept for the gradient,
     * dropped out and kept again, on this thread's scratch.
     */
    private static final class Weighing {
        final int block;
        final float[] p;
        private final Operands x;
        private final MaskBlocks keep;
        private final DropoutDraw dropout;
        private final FloatBuffer keptWeights, keptDropped;
        private final float[] scratch, factors;

        Weighing(Operands x, INDArray mask, DropoutDraw dropout, INDArray weights, INDArray dropped) {
            this.x = x;
            this.dropout = dropout;
            block = x.tq * x.tk;
            keep = mask == null ? null : new MaskBlocks(mask, x.tq, x.tk);
            keptWeights = weights == null ? null : weights.data().asNioFloat();
            keptDropped = dropped == null || dropped == weights ? null : dropped.data().asNioFloat();
            p = HostLoops.floatScratch(0, block);
            scratch = HostLoops.floatScratch(1, block);
            factors = dropout == null ? null : HostLoops.floatScratch(3, block);
        }

        /** Turns the scores of batch element b's head h in {@link #p} into its weights, dropped out. */
        void block(int b, int h) {
            float[] keepBlock = keep == null ? null : keep.of(b);
            if (keepBlock != null) for (int i = 0; i < block; i++) p[i] += (1f - keepBlock[i]) * LARGE_NEGATIVE;
            HostMath.softmaxRows(p, block, x.tk, scratch);
            if (keepBlock != null) for (int i = 0; i < block; i++) p[i] *= keepBlock[i];
            int first = (b * x.heads + h) * block;           // used only when the weights are kept, which fit an int
            if (keptWeights != null) keptWeights.put(first, p, 0, block);
            if (dropout != null) {
                dropout.fill(factors, block, b * x.heads + h);
                for (int i = 0; i < block; i++) p[i] *= factors[i];
                if (keptDropped != null) keptDropped.put(first, p, 0, block);
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

    /** {@link #backward} for batch elements [from, to), on this thread's scratch: on the heap with the Vector API, else through BLAS. */
    private static void backwardRows(Operands x, INDArray weights, INDArray dropped, INDArray g, INDArray dq, INDArray dk, INDArray dv,
                                     int from, int to) {
        int block = x.tq * x.tk;
        FloatBuffer keptWeights = weights.data().asNioFloat(), keptDropped = dropped.data().asNioFloat();
        float[] p = HostLoops.floatScratch(0, block), gradient = HostLoops.floatScratch(1, block);
        float[] pDropped = dropped == weights ? p : HostLoops.floatScratch(3, block);
        if (x.onHeap()) {
            backwardOnHeap(x, keptWeights, dropped == weights ? null : keptDropped, p, pDropped, gradient, g, dq, dk, dv, from, to);
            return;
        }
        FloatPointer scratchBlock = HostLoops.nativeFloatScratch(block);          // dP', then dS
        FloatBuffer blockValues = scratchBlock.asBuffer();
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

    /** The backward's four products per block in {@link VectorMath#gemm}, on heap copies of one batch element's rows at a time. */
    private static void backwardOnHeap(Operands x, FloatBuffer keptWeights, FloatBuffer keptDropped, float[] p, float[] pDropped,
                                       float[] gradient, INDArray g, INDArray dq, INDArray dk, INDArray dv, int from, int to) {
        var rows = new HeapRows(x);
        int block = x.tq * x.tk, queries = x.tq * x.queryRow, keys = x.tk * x.queryRow, values = x.tk * x.valueRow;
        int outputs = x.tq * x.valueRow;
        FloatBuffer gradients = g.data().asNioFloat();
        float[] gb = rows.scratch(4, outputs + VectorMath.lanes()), transposed = rows.scratch(5, x.valueDepth * x.tk + VectorMath.lanes());
        float[] dqb = rows.scratch(6, queries), dkb = rows.scratch(7, keys), dvb = rows.scratch(8, values);
        for (int b = from; b < to; b++) {
            float[] q = rows.query(b), k = rows.key(b), v = rows.value(b);
            gradients.get(b * outputs, gb, 0, outputs);
            for (int h = 0; h < x.heads; h++) {
                int first = (b * x.heads + h) * block, atQuery = h * x.depth, atValue = h * x.valueDepth;
                keptWeights.get(first, p, 0, block);
                if (keptDropped != null) keptDropped.get(first, pDropped, 0, block);
                VectorMath.gemm(x.tk, x.valueDepth, x.tq, pDropped, 0, 1, x.tk, gb, atValue, x.valueRow, dvb, atValue, x.valueRow);
                transposeHead(v, x.tk, x.valueRow, atValue, x.valueDepth, transposed);
                VectorMath.gemm(x.tq, x.tk, x.valueDepth, gb, atValue, x.valueRow, 1, transposed, 0, x.tk, gradient, 0, x.tk);
                HostMath.softmaxRowsGrad(p, pDropped, gradient, block, x.tk);
                VectorMath.gemm(x.tq, x.depth, x.tk, gradient, 0, x.tk, 1, k, atQuery, x.queryRow, dqb, atQuery, x.queryRow);
                VectorMath.gemm(x.tk, x.depth, x.tq, gradient, 0, 1, x.tk, q, atQuery, x.queryRow, dkb, atQuery, x.queryRow);
            }
            dq.data().asNioFloat().put(b * queries, dqb, 0, queries);
            dk.data().asNioFloat().put(b * keys, dkb, 0, keys);
            dv.data().asNioFloat().put(b * values, dvb, 0, values);
        }
    }

    /** to[d·rows + j] = from[j·rowLength + at + d]: one head's [rows, width] columns of a batch element, transposed. */
    private static void transposeHead(float[] from, int rows, int rowLength, int at, int width, float[] to) {
        for (int j = 0; j < rows; j++) for (int d = 0; d < width; d++) to[d * rows + j] = from[j * rowLength + at + d];
    }

    /**
     * Heap copies of one batch element's query, key and value rows [T, N·H] at a time, with a vector's room past
     * their ends ({@link VectorMath#gemm} reads its right operands' last rows in whole vectors), and further
     * per-thread scratch by slot.
     */
    private static final class HeapRows {
        private static final FloatScratch SCRATCH = new FloatScratch(9);
        private final Operands x;

        HeapRows(Operands x) { this.x = x; }

        float[] query(int b) { return rows(x.q, 0, b, x.tq * x.queryRow); }

        float[] key(int b) { return rows(x.k, 1, b, x.tk * x.queryRow); }

        float[] value(int b) { return rows(x.v, 2, b, x.tk * x.valueRow); }

        private float[] rows(INDArray source, int slot, int b, int length) {
            float[] rows = scratch(slot, length + VectorMath.lanes());
            source.data().asNioFloat().get(b * length, rows, 0, length);
            return rows;
        }

        float[] scratch(int slot, int length) { return SCRATCH.get(slot, length); }
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

        /** Whether the products run on the heap: the Vector API is in use, and ints index every operand and output. */
        boolean onHeap() {
            long largest = Math.max(Math.max(q.length(), k.length()), Math.max(v.length(), (long) batch * tq * valueRow));
            return HostMath.usesVectorApi() && largest <= Integer.MAX_VALUE - VectorMath.lanes();
        }

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
        private int filledFor;

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
            if (filled && (batchStride == 0 || b == filledFor)) return block;      // one mask for the batch, or b's again
            for (int i = 0; i < tq; i++) {
                for (int j = 0; j < tk; j++) block[i * tk + j] = values[(int) (b * batchStride + i * queryStride + j * keyStride)];
            }
            filled = true;
            filledFor = b;
            return block;
        }
    }
}
