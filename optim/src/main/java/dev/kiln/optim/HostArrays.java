package dev.kiln.optim;

import dev.kiln.core.Kiln;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Heap copies of dense float32 arrays for update rules written as plain loops on the CPU backend, where one loop
 * beats ND4J's per-op dispatch and its fused updater kernels several times over. The copies are bulk (memcpy
 * speed) into per-thread scratch arrays that are reused from step to step.
 */
final class HostArrays {

    private HostArrays() {}

    private static final int SLOTS = 4;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    /** True on the CPU backend when every array is float32, row-major and dense (no view, no offset). */
    static boolean denseFloat32OnCpu(INDArray... arrays) {
        if (!"CPU".equals(Kiln.backend())) return false;
        for (INDArray a : arrays) {
            boolean dense = a.ordering() == 'c' && a.elementWiseStride() == 1 && a.offset() == 0 && a.length() == a.data().length();
            if (a.dataType() != DataType.FLOAT || !dense) return false;
        }
        return true;
    }

    /** {@code array}'s values in scratch slot {@code slot} (0 … 3), valid until that slot is loaded again. */
    static float[] load(INDArray array, int slot) {
        float[][] scratch = SCRATCH.get();
        int n = Math.toIntExact(array.length());
        if (scratch[slot].length < n) scratch[slot] = new float[n];
        array.data().asNioFloat().get(0, scratch[slot], 0, n);
        return scratch[slot];
    }

    /** Writes the first length(array) values back into {@code array}. */
    static void store(float[] values, INDArray array) {
        array.data().asNioFloat().put(0, values, 0, Math.toIntExact(array.length()));
    }
}
