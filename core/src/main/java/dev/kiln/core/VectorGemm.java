package dev.kiln.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float32 matrix products through {@link VectorMath#gemm} for the narrow shapes Kiln's layers train with: outputs of
 * a few vectors' width (Dense(32), Conv1D(32)), whichever way the gradient transposes the operands. The operands
 * are copied to the heap in bulk and the product copied back: in W3's step the copies took back about a third of
 * what the kernel saved (its Dense layers' backward 2.0-2.1 → 1.5-1.7 ms, against 60 µs saved per product alone).
 *
 * <p>Why: OpenBLAS ran W3's [3200, 32]·[32, 32] at 47-55 GFLOP/s on one core, each of the three ways (forward, the
 * input's gradient, the kernel's), and these products were a quarter of W3's training step; the Vector API kernel
 * ran them at 90-100. At wider outputs (256 columns and more) OpenBLAS's cache blocking wins, and below a vector of
 * columns the kernel wastes lanes, so those stay with {@link CpuBlas}.
 */
final class VectorGemm {

    private VectorGemm() {}

    /** The widest output, in columns, the kernel takes: [3200, 64]·[64, 64] ran at 97-107 GFLOP/s against OpenBLAS's 73-74. */
    private static final int MAX_COLUMNS = 64;

    /** Per-thread heap copies of the left and right operands and the product, grown as needed. */
    private static final FloatScratch SCRATCH = new FloatScratch(3);

    /**
     * Whether op(a)·op(b) runs here: float32 dense 2-D operands, the Vector API in use, an output of whole vectors up
     * to {@link #MAX_COLUMNS} wide, and less work than OpenBLAS would spread over its threads.
     */
    static boolean takes(INDArray a, boolean transposeA, INDArray b, boolean transposeB) {
        boolean float32Matrices = a.dataType() == DataType.FLOAT && b.dataType() == DataType.FLOAT && a.rank() == 2 && b.rank() == 2;
        if (!HostMath.usesVectorApi() || !float32Matrices) return false;
        long m = a.size(transposeA ? 1 : 0), k = a.size(transposeA ? 0 : 1), n = b.size(transposeB ? 0 : 1);
        return n % VectorMath.lanes() == 0 && n > 0 && n <= MAX_COLUMNS && m > 0 && k > 0 && m * n * k < CpuBlas.PARALLEL_WORK
                && Gemm.isDense(a) && Gemm.isDense(b);
    }

    /** op(a)·op(b) into a new row-major [m, n] array, for operands {@link #takes} accepts. */
    static INDArray matmul(INDArray a, boolean transposeA, INDArray b, boolean transposeB) { return matmul(a, transposeA, b, transposeB, null); }

    /**
     * op(a)·op(b) + bias in every row, for operands {@link #takes} accepts and a float32 bias [n] (null: none): the
     * bias starts the kernel's accumulators, which saved the Dense layers a pass over their output to add it.
     */
    static INDArray matmul(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray bias) {
        int m = (int) a.size(transposeA ? 1 : 0), k = (int) a.size(transposeA ? 0 : 1), n = (int) b.size(transposeB ? 0 : 1);
        float[] left = SCRATCH.get(0, m * k), right = SCRATCH.get(1, k * n);
        a.data().asNioFloat().get(left, 0, m * k);
        if (transposeB) {                                   // the kernel reads rows of op(b): transpose b [n, k] to [k, n]
            float[] stored = SCRATCH.get(2, n * k);
            b.data().asNioFloat().get(stored, 0, n * k);
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) right[p * n + j] = stored[j * k + p];
        } else {
            b.data().asNioFloat().get(right, 0, k * n);
        }
        float[] row = bias == null ? null : bias.toFloatVector(), product = SCRATCH.get(2, m * n);
        VectorMath.gemm(m, n, k, left, 0, transposeA ? 1 : k, transposeA ? m : 1, right, 0, n, row, product, 0, n);
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, m, n);
        c.data().asNioFloat().put(product, 0, m * n);
        return c;
    }
}
