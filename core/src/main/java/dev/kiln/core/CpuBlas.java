package dev.kiln.core;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * OpenBLAS's cblas GEMM called directly, for the CPU backend only (this class loads OpenBLAS's bindings, so other
 * backends must never touch it). ND4J's own route to the same sgemm builds a custom op per call: 2-2.5x slower at
 * the small shapes Kiln trains with ([3200, 32]·[32, 32]: 347 µs against 136 µs; im2col's [3072, 80]·[80, 32]:
 * 849 µs against 338 µs, two threads).
 */
final class CpuBlas {

    private CpuBlas() {}

    /** OpenBLAS's own thread count, which ND4J's thread setting does not reach. */
    static void setThreads(int threads) { blas_set_num_threads(threads); }

    /**
     * c = op(a)·op(b) + beta·c for dense row-major float32 or float64 arrays (no offset, c [M, N]); op transposes
     * when its flag is set.
     */
    static void gemm(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray c, double beta) {
        int m = (int) c.size(0), n = (int) c.size(1), k = (int) (transposeA ? a.size(0) : a.size(1));
        int lda = (int) a.size(1), ldb = (int) b.size(1);
        int opA = transposeA ? CblasTrans : CblasNoTrans, opB = transposeB ? CblasTrans : CblasNoTrans;
        if (c.dataType() == DataType.DOUBLE) {
            cblas_dgemm(CblasRowMajor, opA, opB, m, n, k, 1.0, new DoublePointer(a.data().addressPointer()), lda,
                    new DoublePointer(b.data().addressPointer()), ldb, beta, new DoublePointer(c.data().addressPointer()), n);
        } else {
            cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, 1f, new FloatPointer(a.data().addressPointer()), lda,
                    new FloatPointer(b.data().addressPointer()), ldb, (float) beta, new FloatPointer(c.data().addressPointer()), n);
        }
    }

    static boolean supports(DataType type) { return type == DataType.FLOAT || type == DataType.DOUBLE; }
}
