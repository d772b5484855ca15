package dev.kiln.optim;

import dev.kiln.core.Kiln;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Heap copies of dense float32 arrays for update rules written as plain loops on the CPU backend, where one loop
 * beats ND4J's per-op dispatch and its fused updater kernels several times over. The copies are bulk (memcpy
 * speed), a chunk at a time, into per-thread scratch arrays that are reused from step to step.
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

    /** The floats per chunk of an update rule's loop: four arrays' chunks (64 KiB) stay in the core's L2 cache. */
    static final int CHUNK = 4096;

    /** Scratch slot {@code slot} (0 … 3) of at least {@code length} floats, reused from step to step. */
    static float[] scratch(int slot, int length) {
        float[][] scratch = SCRATCH.get();
        if (scratch[slot].length < length) scratch[slot] = new float[length];
        return scratch[slot];
    }
}
