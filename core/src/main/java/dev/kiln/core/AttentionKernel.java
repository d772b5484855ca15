package dev.kiln.core;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dot-product attention's forward alone, for prediction in float32 on the CPU ({@link NN#dotProductAttention}). For
 * each batch element and head, one GEMM puts that block's scores q·kᵀ [Tq, Tk] into reused native scratch; they
 * are masked and softmaxed on the heap while they sit in cache, and a second GEMM multiplies them by v straight into
 * the output's rows for that head. The composed path builds the [B, N, Tq, Tk] scores and weights whole (20 MB each
 * for W3's batch of 256) and passes over them from memory: its softmax cost 3 ns a float there, against 1.8 in cache.
 */
final class AttentionKernel {

    private AttentionKernel() {}

    /** Keras's score for masked positions: e^(s − 1e9) underflows to exactly 0. */
    static final float LARGE_NEGATIVE = -1e9f;

    /**
     * query [B, Tq, N, H], key [B, Tk, N, H], value [B, Tk, N, V], mask [B or 1, Tq or 1, Tk or 1] of 1 and 0 or
     * null, all float32 → context [B, Tq, N, V], as {@link NN#maskedSoftmax} of q·kᵀ times v.
     */
    static INDArray predict(INDArray query, INDArray key, INDArray value, INDArray mask) {
        int batch = (int) query.size(0), tq = (int) query.size(1), heads = (int) query.size(2), depth = (int) query.size(3);
        int tk = (int) key.size(1), valueDepth = (int) value.size(3), block = tq * tk;
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, batch, tq, heads, valueDepth);
        if (out.length() == 0) return out;
        if (tk == 0) return out.assign(0);
        INDArray q = Gemm.rowMajor(query), k = Gemm.rowMajor(key), v = Gemm.rowMajor(value);
        MaskBlocks keep = mask == null ? null : new MaskBlocks(mask, tq, tk);
        FloatPointer scores = HostLoops.nativeFloatScratch(block);
        FloatBuffer scoreValues = scores.asBuffer();
        float[] weights = HostLoops.floatScratch(0, block), scratch = HostLoops.floatScratch(1, block);
        FloatPointer pq = pointer(q), pk = pointer(k), pv = pointer(v), po = pointer(out);
        int queryRow = heads * depth, valueRow = heads * valueDepth;          // the rows of one head are a whole step apart
        for (int b = 0; b < batch; b++) {
            float[] keepBlock = keep == null ? null : keep.of(b);
            for (int h = 0; h < heads; h++) {
                CpuBlas.sgemm(tq, tk, depth, pq, (long) b * tq * queryRow + (long) h * depth, queryRow,
                        pk, (long) b * tk * queryRow + (long) h * depth, queryRow, true, scores, 0, tk);
                scoreValues.get(0, weights, 0, block);
                if (keepBlock != null) for (int i = 0; i < block; i++) weights[i] += (1f - keepBlock[i]) * LARGE_NEGATIVE;
                HostMath.softmaxRows(weights, block, tk, scratch);
                if (keepBlock != null) for (int i = 0; i < block; i++) weights[i] *= keepBlock[i];
                scoreValues.put(0, weights, 0, block);
                CpuBlas.sgemm(tq, valueDepth, tk, scores, 0, tk, pv, (long) b * tk * valueRow + (long) h * valueDepth, valueRow,
                        false, po, (long) b * tq * valueRow + (long) h * valueDepth, valueRow);
            }
        }
        if (q != query) q.close();
        if (k != key) k.close();
        if (v != value) v.close();
        return out;
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
