package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Vector API's GEMM against OpenBLAS ({@link CpuBlas}): each way a layer's gradient transposes its operands, row
 * counts that end inside its four-row tiles, outputs of one, two and three vectors, with and without a bias started
 * in the accumulators, and, for the kernel alone, outputs that end inside a vector.
 */
class VectorGemmTest {

    private static final int LANES = VectorMath.lanes();

    @Test
    void productsEqualOpenBlasForEachTransposeAndShape() {
        Kiln.start();
        assertTrue(HostMath.usesVectorApi(), "the tests' JVM has the Vector API (see the parent POM's surefire.argLine)");
        Nd4j.getRandom().setSeed(3);
        for (int m : new int[] {1, 4, 7, 33}) {
            for (int n : new int[] {LANES, 2 * LANES, 3 * LANES}) {
                for (int k : new int[] {1, 5, 40}) {
                    for (int transposes = 0; transposes < 4; transposes++) {
                        boolean ta = (transposes & 1) != 0, tb = (transposes & 2) != 0;
                        INDArray a = ta ? Nd4j.rand(DataType.FLOAT, k, m).subi(0.5) : Nd4j.rand(DataType.FLOAT, m, k).subi(0.5);
                        INDArray b = tb ? Nd4j.rand(DataType.FLOAT, n, k).subi(0.5) : Nd4j.rand(DataType.FLOAT, k, n).subi(0.5);
                        String name = m + "x" + k + " · " + k + "x" + n + (ta ? ", a transposed" : "") + (tb ? ", b transposed" : "");
                        assertTrue(VectorGemm.takes(a, ta, b, tb), name);
                        INDArray expected = CpuBlas.matmul(a, ta, b, tb), product = VectorGemm.matmul(a, ta, b, tb);
                        assertArrayEquals(expected.shape(), product.shape(), name);
                        assertArrayEquals(expected.data().asFloat(), product.data().asFloat(), 1e-5f, name);
                        INDArray bias = Nd4j.rand(DataType.FLOAT, n).subi(0.5);
                        INDArray withBias = VectorGemm.matmul(a, ta, b, tb, bias);
                        assertArrayEquals(expected.addRowVector(bias).data().asFloat(), withBias.data().asFloat(), 1e-5f, name + ", plus a bias");
                    }
                }
            }
        }
    }

    @Test
    void theKernelWritesOnlyTheColumnsOfAnOutputThatEndsInsideAVector() {
        int m = 6, k = 3, n = LANES + 3, ldc = n + 2;
        var random = new java.util.Random(4);
        float[] a = new float[m * k], b = new float[k * n + LANES], c = new float[m * ldc];
        for (int i = 0; i < a.length; i++) a[i] = random.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = random.nextFloat() - 0.5f;      // past the last row too: read, never used
        java.util.Arrays.fill(c, 7f);
        VectorMath.gemm(m, n, k, a, 0, k, 1, b, 0, n, c, 0, ldc);
        float[] expected = new float[m * ldc];
        java.util.Arrays.fill(expected, 7f);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
                expected[i * ldc + j] = sum;
            }
        }
        assertArrayEquals(expected, c, 1e-6f);
    }

    @Test
    void outputsNarrowerThanAVectorOrWiderThanSixtyFourColumnsStayWithOpenBlas() {
        Kiln.start();
        var a = Nd4j.rand(DataType.FLOAT, 32, 32);
        assertFalse(VectorGemm.takes(a, false, Nd4j.rand(DataType.FLOAT, 32, 1), false), "one column");
        assertFalse(VectorGemm.takes(a, false, Nd4j.rand(DataType.FLOAT, 32, 128), false), "128 columns");
        assertFalse(VectorGemm.takes(a.castTo(DataType.DOUBLE), false, Nd4j.rand(DataType.DOUBLE, 32, 32), false), "float64");
        assertFalse(VectorGemm.takes(a.transpose(), false, Nd4j.rand(DataType.FLOAT, 32, 32), false), "a transposed view");
    }
}
