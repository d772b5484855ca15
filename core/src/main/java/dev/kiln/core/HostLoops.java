package dev.kiln.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain loops over Java copies of contiguous arrays, for the CPU backend, where they beat ND4J's kernels by 10-40x
 * on gather- and scatter-shaped work: its gather and segment sum, its strided-view additions and its max-pooling
 * and reduce-max gradients spend milliseconds where a loop over 100,000 floats takes a tenth of one. Each kernel
 * is an index map (computed once per call) applied by {@link #gather} or {@link #scatterAdd}, which copy in and
 * out in bulk. Other backends keep ND4J's ops (the callers check {@link #enabled()}). Float32 and float64 only.
 */
final class HostLoops {

    private HostLoops() {}

    private static volatile Boolean forced;   // tests set it to check the ND4J paths other backends take

    static boolean enabled() { return forced != null ? forced : "CPU".equals(Kiln.backend()); }

    /** Forces the host loops on or off (null: by backend); for tests of the ND4J paths. */
    static void force(Boolean enabled) { forced = enabled; }

    /**
     * Per-thread scratch arrays, grown as needed and reused: a training step would otherwise allocate several
     * megabytes of short-lived Java arrays, which G1 treats as humongous objects and collects with full GCs.
     */
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[2][0]);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[2][0]);
    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[1][0]);

    private static float[] floatScratch(int slot, int length) {
        float[][] s = FLOATS.get();
        if (s[slot].length < length) s[slot] = new float[length];
        return s[slot];
    }

    private static double[] doubleScratch(int slot, int length) {
        double[][] s = DOUBLES.get();
        if (s[slot].length < length) s[slot] = new double[length];
        return s[slot];
    }

    /** A scratch index map for one call; maps a gradient needs later are allocated by their owner instead. */
    static int[] mapScratch(int length) {
        int[][] s = INTS.get();
        if (s[0].length < length) s[0] = new int[length];
        return s[0];
    }

    /** out[i] = source[map[i]] for i < length(shape), in a new array of {@code shape}. */
    static INDArray gather(INDArray source, int[] map, long... shape) {
        INDArray out = Nd4j.createUninitialized(source.dataType(), shape);
        int n = Math.toIntExact(out.length());
        if (source.dataType() == DataType.DOUBLE) {
            double[] from = doubles(source, 0);
            double[] to = doubleScratch(1, n);
            for (int i = 0; i < n; i++) to[i] = from[map[i]];
            out.data().asNioDouble().put(to, 0, n);
        } else {
            float[] from = floats(source, 0);
            float[] to = floatScratch(1, n);
            for (int i = 0; i < n; i++) to[i] = from[map[i]];
            out.data().asNioFloat().put(to, 0, n);
        }
        return out;
    }

    /** A new zeroed array of {@code shape} with {@code source}'s element i added at position map[i], i < length(source). */
    static INDArray scatterAdd(INDArray source, int[] map, long... shape) {
        INDArray out = Nd4j.createUninitialized(source.dataType(), shape);
        int length = Math.toIntExact(out.length());
        int n = Math.toIntExact(source.length());
        if (source.dataType() == DataType.DOUBLE) {
            double[] from = doubles(source, 0);
            double[] to = doubleScratch(1, length);
            java.util.Arrays.fill(to, 0, length, 0);
            for (int i = 0; i < n; i++) to[map[i]] += from[i];
            out.data().asNioDouble().put(to, 0, length);
        } else {
            float[] from = floats(source, 0);
            float[] to = floatScratch(1, length);
            java.util.Arrays.fill(to, 0, length, 0);
            for (int i = 0; i < n; i++) to[map[i]] += from[i];
            out.data().asNioFloat().put(to, 0, length);
        }
        return out;
    }

    /** x's values in row-major order, in scratch slot {@code slot}. */
    private static float[] floats(INDArray x, int slot) {
        INDArray dense = Gemm.rowMajor(x);
        float[] values = floatScratch(slot, Math.toIntExact(x.length()));
        dense.data().asNioFloat().get(values, 0, (int) x.length());
        if (dense != x) dense.close();
        return values;
    }

    private static double[] doubles(INDArray x, int slot) {
        INDArray dense = Gemm.rowMajor(x);
        double[] values = doubleScratch(slot, Math.toIntExact(x.length()));
        if (x.dataType() == DataType.DOUBLE) {
            dense.data().asNioDouble().get(values, 0, (int) x.length());
        } else {
            var buffer = dense.data().asNioFloat();
            for (int i = 0; i < x.length(); i++) values[i] = buffer.get(i);
        }
        if (dense != x) dense.close();
        return values;
    }

    // ---- index maps ----

    /** Embedding rows: element e of output row i comes from table row ids[i]. */
    static int[] rowMap(long[] ids, long width) {
        int w = Math.toIntExact(width);
        int[] map = mapScratch(ids.length * w);
        for (int i = 0; i < ids.length; i++) for (int e = 0; e < w; e++) map[i * w + e] = (int) ids[i] * w + e;
        return map;
    }

    /** col2im for conv1d: column element [b, t, j, c] belongs to padded step t·stride + j·dilation. */
    static int[] columnMap(long batch, long outSteps, long size, long channels, long paddedSteps, long stride, long dilation) {
        int[] map = mapScratch(Math.toIntExact(batch * outSteps * size * channels));
        int i = 0;
        for (long b = 0; b < batch; b++) {
            for (long t = 0; t < outSteps; t++) {
                for (long j = 0; j < size; j++) {
                    int dst = (int) ((b * paddedSteps + t * stride + j * dilation) * channels);
                    for (int c = 0; c < channels; c++) map[i++] = dst + c;
                }
            }
        }
        return map;
    }

    /**
     * Max pooling over axis 1 of [B, T, C]: window t covers steps [t·stride − left, t·stride − left + pool) within
     * [0, T). Returns, per output element, the flat index in x of the window's first maximum.
     */
    static int[] maxPoolArgmax(INDArray x, int pool, int stride, long left, long outSteps) {
        double[] in = doubles(x, 0);
        long batch = x.size(0), steps = x.size(1), channels = x.size(2);
        int[] argmax = new int[Math.toIntExact(batch * outSteps * channels)];
        int o = 0;
        for (long b = 0; b < batch; b++) {
            for (long t = 0; t < outSteps; t++) {
                long first = Math.max(0, t * stride - left), last = Math.min(steps, t * stride - left + pool);
                for (long c = 0; c < channels; c++) {
                    int best = (int) ((b * steps + first) * channels + c);
                    for (long s = first + 1; s < last; s++) {
                        int i = (int) ((b * steps + s) * channels + c);
                        if (in[i] > in[best]) best = i;
                    }
                    argmax[o++] = best;
                }
            }
        }
        return argmax;
    }

    /** For x viewed as [outer, n, inner]: the flat index of the first maximum along n, per (outer, inner). */
    static int[] argmaxAlong(INDArray x, long outer, long n, long inner) {
        double[] in = doubles(x, 0);
        int[] argmax = new int[(int) (outer * inner)];
        for (long a = 0; a < outer; a++) {
            for (long c = 0; c < inner; c++) {
                int best = (int) (a * n * inner + c);
                for (long s = 1; s < n; s++) {
                    int i = (int) ((a * n + s) * inner + c);
                    if (in[i] > in[best]) best = i;
                }
                argmax[(int) (a * inner + c)] = best;
            }
        }
        return argmax;
    }
}
