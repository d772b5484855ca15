package dev.kiln.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * Runs the parts of a computation side by side, one per Kiln thread, each with one OpenBLAS thread: the shares of
 * an inference batch, as Keras's distribution strategies run {@code predict_step} on each replica's share, and the
 * blocks of attention's kernel ({@link AttentionKernel}), in training too.
 *
 * <p>Why: on the CPU backend a prediction is a chain of GEMMs and of host loops ({@link HostLoops}, {@link HostMath}).
 * The loops run on one core, and OpenBLAS's two threads gain only 1.3-1.5x on the skinny GEMMs Kiln's layers make
 * ([1618, 81]·[81, 32] blocks of W1's convolution). Halves of a batch on two threads, each GEMM single-threaded,
 * made the prediction of a batch of 256 1.6-1.8x faster on this project's 2-core machine (W1 3.8-4.3 ms → 2.3-2.5
 * ms, W3 39 → 22 ms; benchmarks/RESULTS.md). Attention's blocks are hundreds of small GEMMs, each too small for
 * OpenBLAS's own threads.
 *
 * <p>One split runs at a time: OpenBLAS's thread count is process-wide, so it is lowered for the duration and
 * restored afterwards (a training step on another thread meanwhile gets one BLAS thread). A split that finds another
 * one running, or that is nested in one on the same thread, runs its parts in turn on its own thread.
 */
public final class SideBySide {

    /** The fewest samples a part gets: below that, handing work to another thread costs more than it saves. */
    static final int MIN_ROWS_PER_PART = 32;

    private static final ReentrantLock SPLITTING = new ReentrantLock();
    private static ExecutorService workers;      // guarded by SPLITTING
    private static int workerCount;

    private SideBySide() {}

    /**
     * How many parts a batch of {@code rows} samples is split into: one per thread of Kiln's thread setting (none
     * set: 1), on the CPU backend, with at least {@link #MIN_ROWS_PER_PART} rows each.
     */
    public static int parts(long rows) { return parts(rows, MIN_ROWS_PER_PART); }

    /** As {@link #parts(long)} for {@code units} of work of which a part gets at least {@code minimumPerPart}. */
    static int parts(long units, long minimumPerPart) {
        Kiln.start();
        if (!HostLoops.enabled()) return 1;
        return (int) Math.max(1, Math.min(Kiln.configuredThreads(), units / minimumPerPart));
    }

    /**
     * part(i) for i < parts, part 0 on this thread and the others on Kiln's prediction threads, in order. The first
     * failure is rethrown once every part has finished. With one part, or while another split runs, every part
     * runs here in turn.
     */
    public static <T> List<T> run(int parts, IntFunction<T> part) {
        if (parts <= 1 || SPLITTING.isHeldByCurrentThread() || !SPLITTING.tryLock()) return runHere(parts, part);
        int blasThreads = CpuBlas.threads();
        try {
            CpuBlas.setThreads(1);
            var others = new ArrayList<Future<T>>();
            ExecutorService pool = workers(parts - 1);
            for (int i = 1; i < parts; i++) {
                int index = i;
                others.add(pool.submit(() -> part.apply(index)));
            }
            var results = new ArrayList<T>(parts);
            Throwable failure = null;
            try {
                results.add(part.apply(0));
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            for (Future<T> other : others) {
                try {
                    results.add(finished(other));
                } catch (ExecutionException e) {
                    if (failure == null) failure = e.getCause();
                }
            }
            if (failure instanceof RuntimeException e) throw e;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException("A prediction thread failed: " + failure, failure);
            return results;
        } finally {
            CpuBlas.setThreads(blasThreads);
            SPLITTING.unlock();
        }
    }

    /** The part's result once it has finished, even if this thread is interrupted meanwhile (the flag is kept). */
    private static <T> T finished(Future<T> part) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return part.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static <T> List<T> runHere(int parts, IntFunction<T> part) {
        var results = new ArrayList<T>(Math.max(1, parts));
        for (int i = 0; i < Math.max(1, parts); i++) results.add(part.apply(i));
        return results;
    }

    /** The worker pool, grown to {@code count} daemon threads; they keep their scratch and prediction memory. */
    private static ExecutorService workers(int count) {
        if (workers == null || workerCount < count) {
            if (workers != null) workers.shutdown();
            var number = new AtomicInteger();
            workers = Executors.newFixedThreadPool(count, task -> {
                Thread thread = new Thread(task, "kiln-part-" + number.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            workerCount = count;
        }
        return workers;
    }
}
