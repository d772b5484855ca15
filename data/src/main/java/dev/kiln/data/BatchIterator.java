package dev.kiln.data;

import dev.kiln.core.MemoryScope;
import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * One pass over the batches of a {@link Dataset}. With prefetch on, a daemon thread prepares batches into a
 * bounded queue while the consumer trains on earlier ones; the consumer waits only when the thread is behind.
 *
 * <p>A failure while preparing batch i reaches the consumer as an {@link IllegalStateException} from {@code next()}
 * whose cause is the original exception. Leaving early: {@link #close()} stops the thread and frees the batches it
 * had prepared; an iterator that is dropped without closing is closed by a {@link Cleaner} once collected, so an
 * abandoned loop never leaves a thread blocked for good.
 */
public final class BatchIterator implements Iterator<Batch>, AutoCloseable {

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        var thread = new Thread(r, "kiln-prefetch-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private final int count;
    private final IntFunction<Batch> batchAt;
    private final Producer producer;            // null when batches are prepared on demand
    private final Cleaner.Cleanable cleanable;  // stops the producer; registered only with one
    private int delivered;
    private boolean closed;

    BatchIterator(int count, IntFunction<Batch> batchAt, int prefetch) {
        this.count = count;
        this.batchAt = batchAt;
        if (prefetch > 0 && count > 0) {
            producer = new Producer(count, batchAt, prefetch);
            cleanable = CLEANER.register(this, producer::stop);  // the action must not reach this iterator
            producer.thread.start();
        } else {
            producer = null;
            cleanable = null;
        }
    }

    @Override
    public boolean hasNext() { return !closed && delivered < count; }

    @Override
    public Batch next() {
        if (closed) throw new IllegalStateException("This batch iterator was closed");
        if (delivered >= count) throw new NoSuchElementException("All " + count + " batches of this pass were delivered");
        Batch batch;
        try {
            batch = producer == null ? prepareNow(delivered) : producer.take(delivered);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (++delivered == count) close();
        return batch;
    }

    /** Stops the prefetch thread and frees the batches it prepared that were not delivered. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (cleanable != null) cleanable.clean();
    }

    /** The prefetch thread, or null: lets tests watch it end. */
    Thread thread() { return producer == null ? null : producer.thread; }

    /** How many prepared batches wait in the queue. */
    int prepared() { return producer == null ? 0 : producer.queue.size(); }

    private Batch prepareNow(int index) {
        try {
            return batchAt.apply(index);
        } catch (RuntimeException e) {
            throw failed(index, e);
        }
    }

    private static IllegalStateException failed(int index, Throwable cause) {
        return new IllegalStateException("Preparing batch " + index + " failed: " + cause, cause);
    }

    /** A failure on the producer thread, queued in place of the batch it was preparing. */
    private record Failure(int index, Throwable cause) {}

    /** The prefetch thread's side. Holds no reference to the iterator, so the iterator can be collected. */
    private static final class Producer implements Runnable {
        final BlockingQueue<Object> queue;
        final Thread thread;
        private final int count;
        private final IntFunction<Batch> batchAt;
        private volatile boolean stopped;

        Producer(int count, IntFunction<Batch> batchAt, int prefetch) {
            this.count = count;
            this.batchAt = batchAt;
            this.queue = new ArrayBlockingQueue<>(prefetch);
            this.thread = new Thread(this, "kiln-prefetch-" + THREAD_IDS.incrementAndGet());
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < count && !stopped; i++) {
                    Object item;
                    try {
                        item = batchAt.apply(i);
                    } catch (Throwable t) {
                        item = new Failure(i, t);
                    }
                    if (!put(item)) {
                        free(item);
                        return;
                    }
                    if (item instanceof Failure) return;
                }
            } finally {
                if (stopped) drain();
            }
        }

        private boolean put(Object item) {
            try {
                queue.put(item);
                return true;
            } catch (InterruptedException e) {  // stop() interrupts a producer blocked on a full queue
                return false;
            }
        }

        Batch take(int index) {
            try {
                Object item;
                while ((item = queue.poll(100, TimeUnit.MILLISECONDS)) == null) {
                    if (!thread.isAlive() && queue.isEmpty()) {
                        throw new IllegalStateException("The prefetch thread ended without preparing batch " + index);
                    }
                }
                if (item instanceof Failure f) throw failed(f.index(), f.cause());
                return (Batch) item;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for batch " + index, e);
            }
        }

        /**
         * Run by close() or by the cleaner. Both this and the producer's exit drain the queue, so whichever comes
         * last frees what the other left; poll() hands each batch to one of them only.
         */
        void stop() {
            stopped = true;
            thread.interrupt();
            drain();
        }

        private void drain() {
            for (Object item; (item = queue.poll()) != null; ) free(item);
        }

        private static void free(Object item) {
            if (item instanceof Batch batch) {
                try (var scope = MemoryScope.open()) {
                    MemoryScope.adopt(batch.tensors());
                }
            }
        }
    }
}
