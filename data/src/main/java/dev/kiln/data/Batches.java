package dev.kiln.data;

import java.util.function.IntFunction;

/**
 * The batches of one pass over a {@link Dataset}, from {@link Dataset#batches(int, boolean, long)}. Each
 * {@link #iterator()} is a new pass in the same order, prepared ahead on its own background thread.
 */
public final class Batches implements Iterable<Batch> {

    private final int count;
    private final IntFunction<Batch> batchAt;
    private final int prefetch;

    Batches(int count, IntFunction<Batch> batchAt, int prefetch) {
        this.count = count;
        this.batchAt = batchAt;
        this.prefetch = prefetch;
    }

    /** How many batches a pass yields (steps per epoch). */
    public int count() { return count; }

    /**
     * A new pass. Close it to stop its thread at once when leaving early; an iterator that is simply dropped is
     * stopped when the garbage collector finds it.
     */
    @Override
    public BatchIterator iterator() { return new BatchIterator(count, batchAt, prefetch); }
}
