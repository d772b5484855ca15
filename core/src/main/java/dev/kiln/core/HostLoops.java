package dev.kiln.core;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain loops over Java copies of contiguous arrays, for the CPU backend, where they beat ND4J's kernels by 10-40x
 * on gather- and scatter-shaped work: its gather and segment sum, its strided-view copies and additions (im2col
 * and col2im), its relu and its max-pooling and reduce-max gradients spend milliseconds where a loop over 100,000
 * floats takes a tenth of one. Most kernels are an index map (computed once per call) applied by {@link #gather}
 * or {@link #scatterAdd}; all copy in and out in bulk. Other backends keep ND4J's ops (the callers check
 * {@link #enabled()}). Float32 and float64 only.
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
    private static final FloatScratch FLOATS = new FloatScratch(4);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[3][0]);
    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[1][0]);

    static float[] floatScratch(int slot, int length) { return FLOATS.get(slot, length); }

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

    /**
     * The values of a dense integer array as longs, in a new array: a bulk copy, then widening on the heap. ND4J's
     * {@code asLong} reads an int32 buffer one element at a time, 4% of W1's prediction.
     */
    static long[] indices(INDArray dense) {
        int n = Math.toIntExact(dense.length());
        long[] ids = new long[n];
        if (dense.dataType() == DataType.LONG) {
            dense.data().asNioLong().get(ids, 0, n);
        } else if (dense.dataType() == DataType.INT) {
            int[] narrow = mapScratch(n);
            dense.data().asNioInt().get(narrow, 0, n);
            for (int i = 0; i < n; i++) ids[i] = narrow[i];
        } else {
            return dense.data().asLong();
        }
        return ids;
    }

    /**
     * Rows of a table [V, W] by index, in a new array of {@code shape} (ids.length·W elements): one array copy per
     * row, instead of an index map over every element (a map of 409,600 entries for IMDB's batch of 256).
     */
    static INDArray gatherRows(INDArray table, long[] ids, long... shape) {
        INDArray out = Nd4j.createUninitialized(table.dataType(), shape);
        int width = (int) table.size(1), n = ids.length * width;
        if (inPlaceVectors(table, width) && inPlaceVectors(out, width)) {
            VectorMath.gatherRows(table.data().asNio(), ids, width, out.data().asNio());
            return out;
        }
        boolean isDouble = table.dataType() == DataType.DOUBLE;
        Object from = isDouble ? doubles(table, 0) : floats(table, 0);
        Object to = isDouble ? doubleScratch(1, n) : floatScratch(1, n);
        for (int i = 0; i < ids.length; i++) System.arraycopy(from, (int) ids[i] * width, to, i * width, width);
        if (isDouble) out.data().asNioDouble().put((double[]) to, 0, n);
        else out.data().asNioFloat().put((float[]) to, 0, n);
        return out;
    }

    /**
     * Arrays of one type joined along axis 0, as one block copy each: ND4J's concat of the two [128, 1] halves of a
     * split prediction took 7% of W1's prediction time.
     */
    static INDArray concatRows(INDArray[] arrays) {
        long rows = 0;
        for (INDArray a : arrays) rows += a.size(0);
        long[] shape = arrays[0].shape().clone();
        shape[0] = rows;
        INDArray out = Nd4j.createUninitialized(arrays[0].dataType(), shape);
        BytePointer into = new BytePointer(out.data().addressPointer());
        long at = 0, width = out.dataType().width();
        for (INDArray a : arrays) {
            INDArray dense = Gemm.rowMajor(a);
            Pointer.memcpy(into.position(at), new BytePointer(dense.data().addressPointer()), dense.length() * width);
            at += dense.length() * width;
            if (dense != a) dense.close();
        }
        return out;
    }

    /**
     * The embedding's gradient: a new [vocabulary, width] array whose row v is the sum of g's rows i with ids[i] = v (g
     * viewed as [ids.length, width]), added in order of i. In place in whole vectors ({@link VectorMath#addRows}) into
     * memset zeros where {@link #inPlaceVectors} allows, else {@link #scatterAdd} through a map of every element.
     */
    static INDArray rowSums(INDArray g, long[] ids, long vocabulary, int width) {
        if (inPlaceVectors(g, width) && vocabulary * width <= Integer.MAX_VALUE / Float.BYTES) {
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, vocabulary, width);
            Pointer.memset(out.data().addressPointer(), 0, out.length() * Float.BYTES);
            VectorMath.addRows(g.data().asNio(), ids, width, out.data().asNio());
            return out;
        }
        return scatterAdd(g, rowMap(ids, width), vocabulary, width);
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

    /**
     * im2col for conv1d, channels last: row (b, t) of the result [B·T', K·C] holds x[b, t·stride + j·dilation − left, :]
     * for the taps j = 0 … K−1 side by side, zeros where a tap falls in the padding.
     */
    static INDArray im2col(INDArray x, int size, int stride, int dilation, long left, long outSteps) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2);
        INDArray out = Nd4j.createUninitialized(x.dataType(), batch * outSteps, (long) size * channels);
        int n = Math.toIntExact(out.length());
        boolean isDouble = x.dataType() == DataType.DOUBLE;
        Object from = isDouble ? doubles(x, 0) : floats(x, 0);
        Object to = isDouble ? doubleScratch(1, n) : floatScratch(1, n);
        Object zeros = isDouble ? new double[size * channels] : new float[size * channels];
        int rows = Math.toIntExact(batch * outSteps);
        forEachRun(0, rows, size * channels, steps, channels, size, stride, dilation, left, outSteps, (column, input, length) -> {
            if (input >= 0) System.arraycopy(from, input, to, column, length);
            else System.arraycopy(zeros, 0, to, column, length);
        });
        if (isDouble) out.data().asNioDouble().put((double[]) to, 0, n);
        else out.data().asNioFloat().put((float[]) to, 0, n);
        return out;
    }

    /** Floats of im2col's columns per block in {@link #conv1dPrediction}: 512 KiB, which stays in the core's L2 cache. */
    private static final int PREDICTION_BLOCK_FLOATS = 1 << 17;

    /** Per-thread off-heap scratch for the prediction kernels' GEMM operands (conv1d's columns, attention's scores), grown as needed. */
    private static final ThreadLocal<FloatPointer[]> NATIVE_FLOATS = ThreadLocal.withInitial(() -> new FloatPointer[] {new FloatPointer(0L)});

    /**
     * conv1d's forward alone, for prediction in float32: im2col a block of output rows at a time straight into reused
     * native scratch (cache-sized, with a column of ones that multiplies a bias row appended to the kernel) and one
     * GEMM per block into the output. The training path's whole-batch columns (8 MB for IMDB's batch of 256) cost
     * page faults and cache misses, and the bias a second pass. x [B, T, C], kernel [K, C, F], bias [F] or null →
     * [B, T', F], then relu when asked.
     */
    static INDArray conv1dPrediction(INDArray x, INDArray kernel, INDArray bias, int stride, int dilation, long left, long outSteps,
                                     boolean relu) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2);
        int size = (int) kernel.size(0), filters = (int) kernel.size(2), taps = size * channels, width = taps + (bias == null ? 0 : 1);
        int rows = Math.toIntExact(batch * outSteps), blockRows = Math.max(1, PREDICTION_BLOCK_FLOATS / width);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, batch, outSteps, filters);
        if (out.length() == 0) return out;
        if (dilation == 1 && HostMath.usesVectorApi()) return conv1dDirect(x, kernel, bias, stride, (int) left, (int) outSteps, relu, out);
        float[] in = floats(x, 0), zeros = new float[taps];
        FloatPointer block = nativeFloatScratch((long) Math.min(rows, blockRows) * width);
        FloatBuffer columns = block.position(0).asBuffer();
        try (FloatPointer weights = new FloatPointer((long) width * filters)) {
            weights.put(floats(kernel, 2), 0, taps * filters);
            if (bias != null) weights.position((long) taps * filters).put(floats(bias, 2), 0, filters).position(0);
            FloatPointer output = new FloatPointer(out.data().addressPointer());
            for (int start = 0; start < rows; start += blockRows) {
                int count = Math.min(blockRows, rows - start);
                forEachRun(start, count, width, steps, channels, size, stride, dilation, left, outSteps, (column, input, length) -> {
                    if (input >= 0) columns.put(column, in, input, length);
                    else columns.put(column, zeros, 0, length);
                });
                if (bias != null) for (int r = 0; r < count; r++) columns.put(r * width + taps, 1f);
                CpuBlas.sgemm(count, filters, width, block, 0, width, false, weights, 0, filters, false, output, (long) start * filters, filters);
            }
        }
        if (relu) reluInPlace(out);
        return out;
    }

    /** Output floats per block of {@link #conv1dDirect}: 64 KiB, copied out to the native result while in cache. */
    private static final int DIRECT_BLOCK_FLOATS = 1 << 14;

    /**
     * {@link #conv1dPrediction} without im2col, through {@link VectorMath#convolveRows}, for undilated kernels: each
     * output row's window is consecutive floats of the input, zero-padded first where the padding asks. The filters
     * are padded to whole vectors. W1's prediction of 256 took 1.7x less time in its convolution's GEMM than OpenBLAS
     * on im2col's columns.
     */
    private static INDArray conv1dDirect(INDArray x, INDArray kernel, INDArray bias, int stride, int left, int outSteps, boolean relu,
                                         INDArray out) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2);
        int size = (int) kernel.size(0), filters = (int) kernel.size(2), width = size * channels, rows = batch * outSteps;
        int lanes = VectorMath.lanes(), padded = (filters + lanes - 1) / lanes * lanes;
        int paddedSteps = Math.max(steps + left, (outSteps - 1) * stride + size);
        float[] in = floats(x, 0);
        if (paddedSteps > steps) {
            float[] zeroPadded = floatScratch(1, batch * paddedSteps * channels);
            java.util.Arrays.fill(zeroPadded, 0, batch * paddedSteps * channels, 0f);
            for (int b = 0; b < batch; b++) System.arraycopy(in, b * steps * channels, zeroPadded, (b * paddedSteps + left) * channels, steps * channels);
            in = zeroPadded;
        }
        float[] weights = new float[width * padded], shift = new float[padded];
        if (bias != null) System.arraycopy(floats(bias, 2), 0, shift, 0, filters);
        float[] kernelValues = floats(kernel, 2);
        for (int k = 0; k < width; k++) System.arraycopy(kernelValues, k * filters, weights, k * padded, filters);
        int blockRows = Math.max(4, DIRECT_BLOCK_FLOATS / padded);
        float[] result = floatScratch(3, Math.min(rows, blockRows) * padded);
        FloatBuffer target = out.data().asNioFloat();
        for (int from = 0; from < rows; from += blockRows) {
            int to = Math.min(rows, from + blockRows);
            VectorMath.convolveRows(in, paddedSteps, channels, stride, outSteps, width, weights, shift, padded, result, from, to);
            if (relu) for (int i = 0; i < (to - from) * padded; i++) result[i] = Math.max(result[i], 0f);
            if (padded == filters) target.put(from * filters, result, 0, (to - from) * filters);
            else for (int r = from; r < to; r++) target.put(r * filters, result, (r - from) * padded, filters);
        }
        return out;
    }

    static FloatPointer nativeFloatScratch(long length) {
        FloatPointer[] held = NATIVE_FLOATS.get();
        if (held[0].capacity() < length) {
            held[0].close();
            held[0] = new FloatPointer(length);
        }
        return held[0];
    }

    /** col2im, the adjoint of {@link #im2col}: adds each column block back at the input step it was copied from → [B, T, C]. */
    static INDArray col2im(INDArray columns, long batch, long steps, long channels, int size, int stride, int dilation, long left,
                           long outSteps) {
        INDArray out = Nd4j.createUninitialized(columns.dataType(), batch, steps, channels);
        int n = Math.toIntExact(out.length()), c = (int) channels, rows = Math.toIntExact(batch * outSteps);
        if (columns.dataType() == DataType.DOUBLE) {
            double[] from = doubles(columns, 0), to = doubleScratch(1, n);
            java.util.Arrays.fill(to, 0, n, 0);
            forEachRun(0, rows, size * c, (int) steps, c, size, stride, dilation, left, outSteps, (column, input, length) -> {
                if (input >= 0) for (int k = 0; k < length; k++) to[input + k] += from[column + k];
            });
            out.data().asNioDouble().put(to, 0, n);
        } else {
            float[] from = floats(columns, 0), to = floatScratch(1, n);
            java.util.Arrays.fill(to, 0, n, 0);
            forEachRun(0, rows, size * c, (int) steps, c, size, stride, dilation, left, outSteps, (column, input, length) -> {
                if (input >= 0) for (int k = 0; k < length; k++) to[input + k] += from[column + k];
            });
            out.data().asNioFloat().put(to, 0, n);
        }
        return out;
    }

    /**
     * A run of adjacent taps in one im2col row: where it starts in the columns, where in the input (−1 when the taps
     * read padding) and how many elements it spans.
     */
    @FunctionalInterface
    private interface TapRun {
        void at(int column, int input, int length);
    }

    /**
     * Visits the taps of im2col rows [firstRow, firstRow + rows) in order (row b·T' + t holds output step t of
     * sequence b), as runs: without dilation, a row's taps inside the sequence are one contiguous stretch of the
     * input, copied at once instead of C channels at a time (5x fewer, longer copies for IMDB's kernel of 5).
     * Columns count from the first visited row, whose rows lie {@code rowWidth} apart.
     */
    private static void forEachRun(int firstRow, int rows, int rowWidth, int steps, int channels, int size, int stride, int dilation,
                                   long left, long outSteps, TapRun run) {
        for (int r = 0; r < rows; r++) {
            int b = (int) ((firstRow + r) / outSteps), t = (int) ((firstRow + r) % outSteps);
            for (int j = 0; j < size; ) {
                long step = (long) t * stride + (long) j * dilation - left;
                boolean inside = step >= 0 && step < steps;
                int end = j + 1;
                while (dilation == 1 && end < size && (step + end - j >= 0 && step + end - j < steps) == inside) end++;
                run.at(r * rowWidth + j * channels, inside ? (int) ((b * steps + step) * channels) : -1, (end - j) * channels);
                j = end;
            }
        }
    }

    /**
     * g [outer, inner] (any shape of that many elements) times scale, each row repeated {@code repeats} times: an
     * array of {@code shape} = [outer, repeats, inner] in row-major order. Each row is scaled once, then copied.
     */
    static INDArray repeatRows(INDArray g, int outer, int repeats, int inner, double scale, long[] shape) {
        INDArray out = Nd4j.createUninitialized(g.dataType(), shape);
        int n = outer * repeats * inner;
        if (n == 0) return out;
        if (g.dataType() == DataType.DOUBLE) {
            double[] from = doubles(g, 0), to = doubleScratch(1, n);
            for (int i = 0; i < outer * inner; i++) from[i] *= scale;
            for (int o = 0; o < outer; o++) for (int r = 0; r < repeats; r++) System.arraycopy(from, o * inner, to, (o * repeats + r) * inner, inner);
            out.data().asNioDouble().put(to, 0, n);
        } else {
            float[] from = floats(g, 0), to = floatScratch(1, n);
            float s = (float) scale;
            for (int i = 0; i < outer * inner; i++) from[i] *= s;
            for (int o = 0; o < outer; o++) for (int r = 0; r < repeats; r++) System.arraycopy(from, o * inner, to, (o * repeats + r) * inner, inner);
            out.data().asNioFloat().put(to, 0, n);
        }
        return out;
    }

    /** a·b element-wise in a new array, for dense same-shape arrays of one float type (Broadcast.onHost). */
    static INDArray multiply(INDArray a, INDArray b) {
        int n = Math.toIntExact(a.length());
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.shape());
        if (a.dataType() == DataType.DOUBLE) {
            double[] x = doubles(a, 0), y = doubles(b, 1);
            for (int i = 0; i < n; i++) x[i] *= y[i];
            out.data().asNioDouble().put(x, 0, n);
        } else {
            float[] x = floats(a, 0), y = floats(b, 1);
            for (int i = 0; i < n; i++) x[i] *= y[i];
            out.data().asNioFloat().put(x, 0, n);
        }
        return out;
    }

    /**
     * a op row for every row of a, in a new array of a's shape: a dense [R, W] (any shape, read as rows of W = the row's
     * length) and row dense [W], as NumPy broadcasts an array over the leading axes of a larger one; op is "add",
     * "subtract" or "multiply", and {@code rowFirst} puts the row on the left (row − a). Float32 only.
     */
    static INDArray alongRows(String op, INDArray a, INDArray row, boolean rowFirst) {
        int n = Math.toIntExact(a.length()), width = Math.toIntExact(row.length());
        float[] v = floats(a, 0), r = floats(row, 2);
        float sign = rowFirst ? -1f : 1f;
        switch (op) {                                      // the op is chosen once, outside the loops over rows
            case "add" -> { for (int start = 0; start < n; start += width) for (int j = 0; j < width; j++) v[start + j] += r[j]; }
            case "subtract" -> {
                for (int start = 0; start < n; start += width) for (int j = 0; j < width; j++) v[start + j] = sign * (v[start + j] - r[j]);
            }
            case "multiply" -> { for (int start = 0; start < n; start += width) for (int j = 0; j < width; j++) v[start + j] *= r[j]; }
            default -> throw new IllegalArgumentException("alongRows: no host loop for " + op);
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, a.shape());
        out.data().asNioFloat().put(v, 0, n);
        return out;
    }

    /**
     * x times the factors of stream 0 of {@code draw}, in a new array, for float32 x: inverted dropout in one pass over
     * heap copies. The factors are drawn here, forward and again for the gradient, rather than kept: W3's two
     * dropout layers drew them into an array, copied them to ND4J and multiplied, forward and backward.
     */
    static INDArray dropout(INDArray x, DropoutDraw draw) {
        int n = Math.toIntExact(x.length());
        float[] v = floats(x, 0), factors = floatScratch(1, n);
        draw.fill(factors, n, 0);
        for (int i = 0; i < n; i++) v[i] *= factors[i];
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        out.data().asNioFloat().put(v, 0, n);
        return out;
    }

    /**
     * max(x, 0) in a new array, as Math.max, which C2 vectorizes (0.15 ns per float here; a sign-bit mask does not
     * vectorize and ran 3x slower, and a branch mispredicts at every other element: 30x). NaN stays NaN.
     */
    static INDArray relu(INDArray x) { return relu(x, Nd4j.createUninitialized(x.dataType(), x.shape())); }

    /** {@link #relu} over x itself, which must be dense row-major ({@link Gemm#isDense}). */
    static void reluInPlace(INDArray x) { relu(x, x); }

    private static INDArray relu(INDArray x, INDArray out) {
        int n = Math.toIntExact(x.length());
        if (x.dataType() == DataType.DOUBLE) {
            double[] v = doubles(x, 0);
            for (int i = 0; i < n; i++) v[i] = Math.max(v[i], 0.0);
            out.data().asNioDouble().put(v, 0, n);
        } else {
            float[] v = floats(x, 0);
            for (int i = 0; i < n; i++) v[i] = Math.max(v[i], 0f);
            out.data().asNioFloat().put(v, 0, n);
        }
        return out;
    }

    /**
     * Floats per chunk of {@link #apply}: 64 KiB, so that HostMath's passes over a chunk run in cache and the array
     * is read and written once. Copying all of W3's 20 MB of attention scores to the heap first made every pass
     * memory-bound.
     */
    private static final int CHUNK_FLOATS = 1 << 14;

    /** The functions {@link #apply} computes; SOFTMAX is over the last axis. */
    enum Transcendental { SIGMOID, TANH, SOFTMAX }

    /** σ(x), tanh x or the softmax of a float32 array in a new array, with {@link HostMath}'s loops. */
    static INDArray apply(Transcendental function, INDArray x) {
        INDArray dense = Gemm.rowMajor(x);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        int n = Math.toIntExact(x.length()), row = function == Transcendental.SOFTMAX ? (int) x.size(-1) : 1;
        int chunk = Math.max(1, CHUNK_FLOATS / row) * row;            // whole rows
        float[] v = floatScratch(0, Math.min(chunk, n)), scratch = floatScratch(1, Math.min(chunk, n));
        FloatBuffer from = dense.data().asNioFloat(), to = out.data().asNioFloat();
        for (int start = 0; start < n; start += chunk) {
            int count = Math.min(chunk, n - start);
            from.get(start, v, 0, count);
            switch (function) {
                case SIGMOID -> HostMath.sigmoid(v, v, 0, count, scratch);
                case TANH -> HostMath.tanh(v, v, 0, count, scratch);
                case SOFTMAX -> HostMath.softmaxRows(v, count, row, scratch);
            }
            to.put(start, v, 0, count);
        }
        if (dense != x) dense.close();
        return out;
    }

    /** relu's gradient from its output y = max(x, 0): g where y > 0, else 0 (so 0 at x = 0, as Keras). */
    static INDArray reluGrad(INDArray y, INDArray g) {
        INDArray out = Nd4j.createUninitialized(g.dataType(), g.shape());
        int n = Math.toIntExact(g.length());
        if (g.dataType() == DataType.DOUBLE) {
            double[] yv = doubles(y, 0), gv = doubles(g, 1);
            for (int i = 0; i < n; i++) gv[i] = yv[i] > 0 ? gv[i] : 0;
            out.data().asNioDouble().put(gv, 0, n);
        } else {
            float[] yv = floats(y, 0), gv = floats(g, 1);
            for (int i = 0; i < n; i++) {
                int keep = -Float.floatToRawIntBits(yv[i]) >> 31;           // y ≥ +0: all ones exactly when y > 0
                gv[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gv[i]) & keep);
            }
            out.data().asNioFloat().put(gv, 0, n);
        }
        return out;
    }

    /** softmax's gradient over rows of the last axis, from its output y: dx = (g − Σ y·g)·y, row by row. */
    static INDArray softmaxGrad(INDArray y, INDArray g) {
        INDArray out = Nd4j.createUninitialized(g.dataType(), g.shape());
        int n = Math.toIntExact(g.length()), row = (int) g.size(-1);
        if (g.dataType() == DataType.DOUBLE) {
            double[] yv = doubles(y, 0), gv = doubles(g, 1);
            for (int start = 0; start < n; start += row) {
                double dot = 0;
                for (int i = start; i < start + row; i++) dot += yv[i] * gv[i];
                for (int i = start; i < start + row; i++) gv[i] = (gv[i] - dot) * yv[i];
            }
            out.data().asNioDouble().put(gv, 0, n);
        } else {
            float[] yv = floats(y, 0), gv = floats(g, 1);
            HostMath.softmaxRowsGrad(yv, yv, gv, n, row);
            out.data().asNioFloat().put(gv, 0, n);
        }
        return out;
    }

    /**
     * Layer normalization over the last axis, row by row (float64 in double, float32 in float): (x − mean) /
     * √(variance + ε) · gamma + beta (gamma, beta may be null).
     */
    static INDArray layerNorm(INDArray x, INDArray gamma, INDArray beta, double epsilon) {
        int width = (int) x.size(-1), n = Math.toIntExact(x.length());
        if (x.dataType() == DataType.FLOAT) return layerNormFloat(x, gamma, beta, (float) epsilon, width, n);
        double[] v = doubles(x, 0);
        double[] scale = gamma == null ? null : doubles(gamma, 2), shift = beta == null ? null : doubles(beta, 1);
        for (int start = 0; start < n; start += width) {
            double mean = mean(v, start, width), inverse = inverseDeviation(v, start, width, mean, epsilon);
            for (int c = 0; c < width; c++) {
                double normalized = (v[start + c] - mean) * inverse;
                v[start + c] = normalized * (scale == null ? 1 : scale[c]) + (shift == null ? 0 : shift[c]);
            }
        }
        return fromDoubles(v, x.dataType(), x.shape());
    }

    /**
     * {@link #layerNorm} in float32, as Keras computes it: the row statistics in four-lane float sums
     * ({@link HostMath#sum}): twice as fast as widening to double, whose in-order sums wait on every add.
     */
    private static INDArray layerNormFloat(INDArray x, INDArray gamma, INDArray beta, float epsilon, int width, int n) {
        float[] v = floats(x, 0), scale = rowOr(gamma, width, 1f), shift = rowOr(beta, width, 0f);
        for (int start = 0; start < n; start += width) {
            float mean = mean(v, start, width);
            HostMath.normalizeRow(v, start, width, mean, inverseDeviation(v, start, width, mean, epsilon), scale, shift);
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        out.data().asNioFloat().put(v, 0, n);
        return out;
    }

    /**
     * {@link #layerNorm}'s gradients {dx, dGamma, dBeta} (the last two null without gamma, beta), recomputing each
     * row's statistics from x: with x̂ the normalized row, r = 1/√(variance + ε) and h = g·gamma,
     * dx = r·(h − mean(h) − x̂·mean(h·x̂)), dGamma = Σ g·x̂, dBeta = Σ g over rows.
     */
    static INDArray[] layerNormGrad(INDArray x, INDArray gamma, boolean hasBeta, INDArray g, double epsilon) {
        int width = (int) x.size(-1), n = Math.toIntExact(x.length());
        if (x.dataType() == DataType.FLOAT) return layerNormGradFloat(x, gamma, hasBeta, g, (float) epsilon, width, n);
        double[] v = doubles(x, 0), gv = doubles(g, 1), scale = gamma == null ? null : doubles(gamma, 2);
        double[] dGamma = new double[width], dBeta = new double[width];
        for (int start = 0; start < n; start += width) {
            double mean = mean(v, start, width), inverse = inverseDeviation(v, start, width, mean, epsilon);
            double meanH = 0, meanHx = 0;
            for (int c = 0; c < width; c++) {
                double normalized = (v[start + c] - mean) * inverse, h = gv[start + c] * (scale == null ? 1 : scale[c]);
                dGamma[c] += gv[start + c] * normalized;
                dBeta[c] += gv[start + c];
                meanH += h;
                meanHx += h * normalized;
            }
            meanH /= width;
            meanHx /= width;
            for (int c = 0; c < width; c++) {
                double normalized = (v[start + c] - mean) * inverse, h = gv[start + c] * (scale == null ? 1 : scale[c]);
                gv[start + c] = inverse * (h - meanH - normalized * meanHx);
            }
        }
        long[] widthShape = {width};
        return new INDArray[] {fromDoubles(gv, g.dataType(), g.shape()),
                gamma == null ? null : fromDoubles(dGamma, g.dataType(), widthShape),
                hasBeta ? fromDoubles(dBeta, g.dataType(), widthShape) : null};
    }

    /** {@link #layerNormGrad} in float32, row by row through HostMath (so in VectorMath's lanes where it runs). */
    private static INDArray[] layerNormGradFloat(INDArray x, INDArray gamma, boolean hasBeta, INDArray g, float epsilon, int width, int n) {
        float[] v = floats(x, 0), gv = floats(g, 1), scale = rowOr(gamma, width, 1f);
        float[] dGamma = new float[width], dBeta = new float[width], sums = new float[3];
        for (int start = 0; start < n; start += width) {
            HostMath.normalizeRowGrad(v, gv, start, width, mean(v, start, width), epsilon, scale, dGamma, dBeta, sums);
        }
        INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, g.shape());
        dx.data().asNioFloat().put(gv, 0, n);
        long[] widthShape = {width};
        return new INDArray[] {dx, gamma == null ? null : Nd4j.create(dGamma, widthShape, 'c'), hasBeta ? Nd4j.create(dBeta, widthShape, 'c') : null};
    }

    /** A copy of the float32 vector [width], or {@code fill} in every place when it is null (no gamma or beta). */
    private static float[] rowOr(INDArray vector, int width, float fill) {
        float[] row = new float[width];
        if (vector == null) java.util.Arrays.fill(row, fill);
        else System.arraycopy(floats(vector, 2), 0, row, 0, width);
        return row;
    }

    private static float mean(float[] v, int start, int width) { return HostMath.sum(v, start, start + width) / width; }

    /** 1/√(population variance + ε) of v[start, start + width), whose mean is {@code mean}, in float32. */
    private static float inverseDeviation(float[] v, int start, int width, float mean, float epsilon) {
        return (float) (1 / Math.sqrt(HostMath.squaredDeviations(v, start, start + width, mean) / width + epsilon));
    }

    private static double mean(double[] v, int start, int width) {
        double sum = 0;
        for (int c = 0; c < width; c++) sum += v[start + c];
        return sum / width;
    }

    /** 1/√(population variance + ε) of v[start, start + width), whose mean is {@code mean}. */
    private static double inverseDeviation(double[] v, int start, int width, double mean, double epsilon) {
        double squares = 0;
        for (int c = 0; c < width; c++) squares += (v[start + c] - mean) * (v[start + c] - mean);
        return 1 / Math.sqrt(squares / width + epsilon);
    }

    /** −(y·log p + (1 − y)·log(1 − p)) with p clipped to [ε, 1 − ε], element-wise; p and y of one float type. */
    static INDArray binaryCrossEntropy(INDArray p, INDArray y, double epsilon) {
        int n = Math.toIntExact(p.length());
        double[] pv = doubles(p, 0), yv = doubles(y, 1);
        for (int i = 0; i < n; i++) {
            double q = Math.min(Math.max(pv[i], epsilon), 1 - epsilon);
            pv[i] = -(yv[i] * Math.log(q) + (1 - yv[i]) * Math.log(1 - q));
        }
        return fromDoubles(pv, p.dataType(), p.shape());
    }

    /** The gradient of {@link #binaryCrossEntropy} with respect to p: g·((1 − y)/(1 − p) − y/p) inside the clip range, 0 outside. */
    static INDArray binaryCrossEntropyGrad(INDArray p, INDArray y, INDArray g, double epsilon) {
        int n = Math.toIntExact(p.length());
        double[] pv = doubles(p, 0), yv = doubles(y, 1);
        double[] gv = doubles(g, 2);
        for (int i = 0; i < n; i++) {
            double q = pv[i];
            pv[i] = q < epsilon || q > 1 - epsilon ? 0 : gv[i] * ((1 - yv[i]) / (1 - q) - yv[i] / q);
        }
        return fromDoubles(pv, p.dataType(), p.shape());
    }

    /** A new array of {@code type} and {@code shape} holding the first length(shape) values. */
    private static INDArray fromDoubles(double[] values, DataType type, long[] shape) {
        INDArray out = Nd4j.createUninitialized(type, shape);
        int n = Math.toIntExact(out.length());
        if (type == DataType.DOUBLE) {
            out.data().asNioDouble().put(values, 0, n);
        } else {
            float[] narrow = floatScratch(0, n);
            for (int i = 0; i < n; i++) narrow[i] = (float) values[i];
            out.data().asNioFloat().put(narrow, 0, n);
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
        int n = Math.toIntExact(x.length());
        double[] values = doubleScratch(slot, n);
        if (x.dataType() == DataType.DOUBLE) {
            dense.data().asNioDouble().get(values, 0, n);
        } else {   // a bulk copy, then widening on the heap: far faster than a FloatBuffer.get per element
            float[] narrow = floatScratch(slot, n);
            dense.data().asNioFloat().get(narrow, 0, n);
            for (int i = 0; i < n; i++) values[i] = narrow[i];
        }
        if (dense != x) dense.close();
        return values;
    }

    // ---- index maps ----

    /** Embedding rows as an element map, for the gradient's scatter: element e of row i belongs to table row ids[i]. */
    private static int[] rowMap(long[] ids, long width) {
        int w = Math.toIntExact(width);
        int[] map = mapScratch(ids.length * w);
        for (int i = 0; i < ids.length; i++) for (int e = 0; e < w; e++) map[i * w + e] = (int) ids[i] * w + e;
        return map;
    }

    /**
     * Max pooling over axis 1 of [B, T, C]: window t covers steps [t·stride − left, t·stride − left + pool) within
     * [0, T). Returns, per output element, the flat index in x of the window's first maximum.
     */
    static int[] maxPoolArgmax(INDArray x, int pool, int stride, long left, long outSteps) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2), out = (int) outSteps, shift = (int) left;
        boolean isDouble = x.dataType() == DataType.DOUBLE;
        double[] wide = isDouble ? doubles(x, 0) : null;
        float[] narrow = isDouble ? null : floats(x, 0);
        int[] argmax = new int[batch * out * channels];
        int o = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < out; t++) {
                int first = (b * steps + Math.max(0, t * stride - shift)) * channels;
                int end = (b * steps + Math.min(steps, t * stride - shift + pool)) * channels;
                for (int c = 0; c < channels; c++) {
                    argmax[o++] = isDouble ? firstMaximum(wide, first + c, end, channels) : firstMaximum(narrow, first + c, end, channels);
                }
            }
        }
        return argmax;
    }

    /**
     * Max pooling's values alone, for prediction: the windows of {@link #maxPoolArgmax}, without the index map the
     * gradient needs, as {@link #maxOfGatheredRows} (a tap in the padding repeats its window's first step, which
     * leaves the maximum as it is). A NaN in a window gives NaN. Float32; float64 takes the argmax.
     */
    static INDArray maxPool(INDArray x, int pool, int stride, long left, long outSteps) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2), out = (int) outSteps, shift = (int) left;
        if (x.dataType() == DataType.DOUBLE) {
            return gather(x, maxPoolArgmax(x, pool, stride, left, outSteps), batch, out, channels);
        }
        INDArray result = Nd4j.createUninitialized(x.dataType(), batch, out, channels);
        int n = Math.toIntExact(result.length());
        RowSource window = (row, tap) -> {
            int b = row / out, t = row % out, first = Math.max(0, t * stride - shift), step = t * stride - shift + tap;
            return b * steps + (step < first || step >= steps ? first : step);
        };
        if (inPlaceVectors(x, channels) && inPlaceVectors(result, channels)) {
            VectorMath.maxOfRows(x.data().asNio(), batch * out, channels, pool, window, result.data().asNio());
            return result;
        }
        float[] maxima = maxOfGatheredRows(floats(x, 0), batch * out, channels, pool, window);
        result.data().asNioFloat().put(maxima, 0, n);
        return result;
    }

    /**
     * The maximum along one axis of a float32 array (n > 0 entries along it), in a new array of {@code shape}: as
     * {@link #maxOfGatheredRows} when the trailing axes hold at least {@link #GATHERED_WIDTH} floats, else the
     * rows of the axis compared in place.
     */
    static INDArray maxAlong(INDArray x, int axis, long[] shape) {
        long[] sizes = Broadcast.aroundRun(x.shape(), axis, axis);
        int outer = Math.toIntExact(sizes[0]), n = Math.toIntExact(sizes[1]), inner = Math.toIntExact(sizes[2]);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        if (inner >= GATHERED_WIDTH && inPlaceVectors(x, inner) && inPlaceVectors(out, inner)) {
            int along = n;
            VectorMath.maxOfRows(x.data().asNio(), outer, inner, n, (row, pass) -> row * along + pass, out.data().asNio());
            return out;
        }
        float[] in = floats(x, 0), maxima;
        if (inner >= GATHERED_WIDTH) {
            int along = n;
            maxima = maxOfGatheredRows(in, outer, inner, n, (row, pass) -> row * along + pass);
        } else {
            maxima = floatScratch(1, outer * inner);
            for (int a = 0; a < outer; a++) {
                System.arraycopy(in, a * n * inner, maxima, a * inner, inner);
                for (int r = 1; r < n; r++) {
                    for (int c = 0; c < inner; c++) maxima[a * inner + c] = Math.max(maxima[a * inner + c], in[(a * n + r) * inner + c]);
                }
            }
        }
        out.data().asNioFloat().put(maxima, 0, outer * inner);
        return out;
    }

    /**
     * Whether VectorMath's loops over native arrays may read or write x where it lies: float32, dense, its rows of
     * {@code width} floats whole vectors, its bytes within an int, and the Vector API in use.
     */
    private static boolean inPlaceVectors(INDArray x, int width) {
        return x.dataType() == DataType.FLOAT && HostMath.usesVectorApi() && width % VectorMath.lanes() == 0 && Gemm.isDense(x)
                && x.length() <= Integer.MAX_VALUE / Float.BYTES;
    }

    /** Row widths from which copying rows to line them up pays off in {@link #maxAlong}. */
    private static final int GATHERED_WIDTH = 16;

    /** Which input row output row {@code row} compares in pass {@code pass}. */
    @FunctionalInterface
    interface RowSource {
        int row(int row, int pass);
    }

    /**
     * Per output row r < rows (of {@code width} floats), the elementwise maximum of the input rows source(r, p) for
     * p < passes, in a scratch array. Each pass copies its rows in line with the output, then takes Math.max at equal
     * indices over the whole array: C2 vectorizes only that form (0.1 ns per float here), not a maximum between rows
     * at different offsets, nor the short loop over one row of 32 channels (0.5-1 ns).
     */
    private static float[] maxOfGatheredRows(float[] in, int rows, int width, int passes, RowSource source) {
        int n = rows * width;
        if (HostMath.usesVectorApi() && width >= VectorMath.lanes()) return maxOfRows(in, rows, width, passes, source);
        float[] maxima = floatScratch(1, n), lined = floatScratch(2, n);
        for (int pass = 0; pass < passes; pass++) {
            float[] into = pass == 0 ? maxima : lined;
            for (int r = 0; r < rows; r++) System.arraycopy(in, source.row(r, pass) * width, into, r * width, width);
            if (pass > 0) for (int i = 0; i < n; i++) maxima[i] = Math.max(maxima[i], lined[i]);
        }
        return maxima;
    }

    /**
     * {@link #maxOfGatheredRows} in the Vector API, which compares rows at any offsets in place: no copies to line
     * them up. Whole vectors of each row in lanes, the columns after them one by one.
     */
    private static float[] maxOfRows(float[] in, int rows, int width, int passes, RowSource source) {
        float[] maxima = floatScratch(1, rows * width);
        int columns = VectorMath.maxOfRows(in, rows, width, passes, source, maxima);
        for (int r = 0; r < rows && columns < width; r++) {
            for (int c = columns; c < width; c++) {
                float max = in[source.row(r, 0) * width + c];
                for (int p = 1; p < passes; p++) max = Math.max(max, in[source.row(r, p) * width + c]);
                maxima[r * width + c] = max;
            }
        }
        return maxima;
    }

    /** For x viewed as [outer, n, inner]: the flat index of the first maximum along n, per (outer, inner). */
    static int[] argmaxAlong(INDArray x, long outer, long n, long inner) {
        double[] in = doubles(x, 0);
        int[] argmax = new int[(int) (outer * inner)];
        int span = (int) (n * inner), width = (int) inner;
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < width; c++) argmax[a * width + c] = firstMaximum(in, a * span + c, (a + 1) * span, width);
        }
        return argmax;
    }

    /**
     * The index of the first maximum among in[from], in[from + step], … before {@code end}. Selects instead of
     * branching: on real activations the comparison goes either way at random, and a branch would mispredict.
     */
    private static int firstMaximum(double[] in, int from, int end, int step) {
        int best = from;
        double bestValue = in[from];
        for (int i = from + step; i < end; i += step) {
            double value = in[i];
            boolean higher = value > bestValue;
            best = higher ? i : best;
            bestValue = Math.max(bestValue, value);
        }
        return best;
    }

    private static int firstMaximum(float[] in, int from, int end, int step) {
        int best = from;
        float bestValue = in[from];
        for (int i = from + step; i < end; i += step) {
            float value = in[i];
            boolean higher = value > bestValue;
            best = higher ? i : best;
            bestValue = Math.max(bestValue, value);
        }
        return best;
    }
}
