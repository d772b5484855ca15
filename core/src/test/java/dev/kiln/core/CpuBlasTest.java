package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How CpuBlas sets OpenBLAS's threads around its calls: the count it last handed to openblas_set_num_threads (the
 * bindings' blas_get_num_threads only echoes their own setter, which CpuBlas does not call).
 */
class CpuBlasTest {

    @Test
    void callsBelowTheParallelWorkRunOnOneThreadAndLargerOnesAndRecurrentStepsOnTheSetting() {
        Kiln.start();
        int previous = CpuBlas.threads();
        try {
            CpuBlas.setThreads(2);
            var small = Nd4j.rand(DataType.FLOAT, 64, 64);
            CpuBlas.matmul(small, false, small, false).close();
            assertEquals(1, CpuBlas.appliedThreads(), "64·64·64 multiply-adds");
            var wide = Nd4j.rand(DataType.FLOAT, 512, 256);                       // 512·256·256 = 2^25
            var square = Nd4j.rand(DataType.FLOAT, 256, 256);
            CpuBlas.matmul(wide, false, square, false).close();
            assertEquals(2, CpuBlas.appliedThreads(), "2^25 multiply-adds");
            CpuBlas.addRowVector(wide, Nd4j.rand(DataType.FLOAT, 256));
            assertEquals(1, CpuBlas.appliedThreads(), "a rank-1 update of 512·256");
            CpuBlas.gemm(small, false, small, true, small, 1, 1);
            assertEquals(2, CpuBlas.appliedThreads(), "a recurrent kernel's in-place product, of any size");
        } finally {
            CpuBlas.setThreads(previous);
        }
    }
}
