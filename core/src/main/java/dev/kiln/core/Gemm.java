package dev.kiln.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products of row-major arrays through BLAS without copies.
 *
 * <p>ND4J hands row-major ('c') operands to OpenBLAS through column-major temporaries, which costs 3-5x at the
 * shapes Kiln trains with (3072x80 · 80x32: 1.1 ms against 0.31 ms). A row-major C = A·B is the column-major
 * Cᵀ = Bᵀ·Aᵀ, and the transposes of row-major arrays are column-major views, so BLAS reads them as they are. On
 * the CPU backend {@link CpuBlas} skips ND4J altogether and hands the row-major arrays to cblas as they are.
 */
final class Gemm {

    private Gemm() {}

    /**
     * op(a)·op(b) into a new row-major array; a and b are 2-D, op transposes when the flag is set. On the CPU backend
     * {@link VectorGemm} takes the narrow float32 products it is faster at, and {@link CpuBlas} the others, at any
     * strides a BLAS matrix allows; elsewhere both operands are made dense row-major first.
     */
    static INDArray matmul(INDArray a, boolean transposeA, INDArray b, boolean transposeB) {
        if (HostLoops.enabled() && VectorGemm.takes(a, transposeA, b, transposeB)) return VectorGemm.matmul(a, transposeA, b, transposeB);
        if (HostLoops.enabled() && CpuBlas.supports(a.dataType())) return CpuBlas.matmul(a, transposeA, b, transposeB);
        long m = transposeA ? a.size(1) : a.size(0);
        long n = transposeB ? b.size(0) : b.size(1);
        INDArray c = Nd4j.createUninitialized(a.dataType(), m, n);
        INDArray rowA = rowMajor(a);
        INDArray rowB = rowMajor(b);
        Nd4j.gemm(rowB.transpose(), rowA.transpose(), c.transpose(), transposeB, transposeA, 1.0, 0.0);
        if (rowA != a) rowA.close();
        if (rowB != b) rowB.close();
        return c;
    }

    /**
     * c = α·op(a)·op(b) + β·c in place, a, b and c 2-D: on the CPU backend through {@link CpuBlas} when c's rows are
     * BLAS rows (ND4J's Nd4j.gemm builds a custom op per call, 2-2.5x slower at the recurrent kernels' shapes),
     * else Nd4j.gemm.
     */
    static void into(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray c, double alpha, double beta) {
        if (HostLoops.enabled() && CpuBlas.supports(c.dataType()) && c.stride(1) == 1 && c.stride(0) >= c.size(1)) {
            CpuBlas.gemm(a, transposeA, b, transposeB, c, alpha, beta);
        } else {
            Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
        }
    }

    /** A dense row-major array with x's values: x itself when it already is one, otherwise a copy the caller closes. */
    static INDArray rowMajor(INDArray x) { return isDense(x) ? x : x.dup('c'); }

    /** Whether x is its whole buffer in row-major order. */
    static boolean isDense(INDArray x) {
        return x.ordering() == 'c' && x.elementWiseStride() == 1 && x.offset() == 0 && x.length() == x.data().length();
    }
}
