package dev.kiln.core;

/**
 * Per-thread float arrays by slot, grown as needed and reused from call to call: a training step would otherwise
 * allocate megabytes of short-lived Java arrays, which G1 treats as humongous objects and collects with full GCs.
 * Each user keeps its own instance, so that a caller's scratch is never that of a kernel it calls.
 */
final class FloatScratch {

    private final ThreadLocal<float[][]> held;

    FloatScratch(int slots) { held = ThreadLocal.withInitial(() -> new float[slots][0]); }

    /** This thread's slot {@code slot}, at least {@code length} floats; valid until the slot is asked for again. */
    float[] get(int slot, int length) {
        float[][] arrays = held.get();
        if (arrays[slot].length < length) arrays[slot] = new float[length];
        return arrays[slot];
    }
}
