package dev.kiln.core;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain loops over the host memory of contiguous arrays, for the CPU backend, where they beat ND4J's kernels by
 * 10-40x on gather/scatter-shaped work: its segment sum, its strided-view additions and its max-pooling and
 * reduce-max gradients spend milliseconds where a loop over 100,000 floats takes a tenth of one. Other backends
 * keep ND4J's ops (the callers check {@link #enabled()}). Float32 and float64 only.
 */
final class HostLoops {

    private HostLoops() {}

    private static volatile Boolean forced;   // tests set it to check the ND4J paths other backends take

    static boolean enabled() { return forced != null ? forced : "CPU".equals(Kiln.backend()); }

    /** Forces the host loops on or off (null: by backend); for tests of the ND4J paths. */
    static void force(Boolean enabled) { forced = enabled; }

    /** A row-major contiguous array with the same values: {@code x} itself when it already is one. */
    static INDArray contiguous(INDArray x) {
        boolean dense = x.ordering() == 'c' && x.elementWiseStride() == 1 && x.offset() == 0 && x.length() == x.data().length();
        return dense ? x : Tensor.temp(x.dup('c'));
    }

    /** A view of an array's values as doubles: reads and writes go to the array's memory. */
    interface Values {
        double get(int i);

        void set(int i, double v);

        static Values of(INDArray array) {
            if (array.dataType() == DataType.DOUBLE) {
                DoubleBuffer b = array.data().asNioDouble();
                return new Values() {
                    public double get(int i) { return b.get(i); }

                    public void set(int i, double v) { b.put(i, v); }
                };
            }
            FloatBuffer b = array.data().asNioFloat();
            return new Values() {
                public double get(int i) { return b.get(i); }

                public void set(int i, double v) { b.put(i, (float) v); }
            };
        }
    }

    /** Sums rows of {@code rows} ([N, width]) into a new [count, width] array by index: an embedding's gradient. */
    static INDArray rowSums(INDArray rows, long[] ids, long count, long width) {
        INDArray source = contiguous(rows);
        INDArray sums = Nd4j.zeros(rows.dataType(), count, width);
        Values from = Values.of(source), to = Values.of(sums);
        int w = Math.toIntExact(width);
        for (int i = 0; i < ids.length; i++) {
            int src = i * w, dst = (int) ids[i] * w;
            for (int e = 0; e < w; e++) to.set(dst + e, to.get(dst + e) + from.get(src + e));
        }
        return sums;
    }

    /**
     * col2im for conv1d: adds columns [B, T', K, C] back into a zeroed padded input [B, Tp, C], tap j of output step t
     * landing on step t·stride + j·dilation.
     */
    static INDArray columnsToSteps(INDArray columns, long batch, long outSteps, long size, long channels, long paddedSteps,
                                   long stride, long dilation) {
        INDArray source = contiguous(columns);
        INDArray steps = Nd4j.zeros(columns.dataType(), batch, paddedSteps, channels);
        Values from = Values.of(source), to = Values.of(steps);
        int c = Math.toIntExact(channels);
        for (long b = 0; b < batch; b++) {
            for (long t = 0; t < outSteps; t++) {
                for (long j = 0; j < size; j++) {
                    int src = (int) (((b * outSteps + t) * size + j) * channels);
                    int dst = (int) ((b * paddedSteps + t * stride + j * dilation) * channels);
                    for (int k = 0; k < c; k++) to.set(dst + k, to.get(dst + k) + from.get(src + k));
                }
            }
        }
        return steps;
    }

    /**
     * Max pooling over axis 1 of [B, T, C]: window t covers steps [t·stride − left, t·stride − left + pool) within
     * [0, T). Returns the pooled values [B, T', C]; {@code argmax} receives, per output element, the flat index of
     * the first maximum in x, for the gradient.
     */
    static INDArray maxPool(INDArray x, int pool, int stride, long left, long outSteps, int[] argmax) {
        INDArray source = contiguous(x);
        long batch = x.size(0), steps = x.size(1), channels = x.size(2);
        INDArray out = Nd4j.createUninitialized(x.dataType(), batch, outSteps, channels);
        Values in = Values.of(source), to = Values.of(out);
        int o = 0;
        for (long b = 0; b < batch; b++) {
            for (long t = 0; t < outSteps; t++) {
                long first = Math.max(0, t * stride - left), last = Math.min(steps, t * stride - left + pool);
                for (long c = 0; c < channels; c++, o++) {
                    int best = (int) ((b * steps + first) * channels + c);
                    for (long s = first + 1; s < last; s++) {
                        int i = (int) ((b * steps + s) * channels + c);
                        if (in.get(i) > in.get(best)) best = i;
                    }
                    argmax[o] = best;
                    to.set(o, in.get(best));
                }
            }
        }
        return out;
    }

    /** Scatters {@code grad}'s elements to the positions {@code argmax} names, in a zeroed array of {@code shape}. */
    static INDArray scatter(INDArray grad, int[] argmax, long[] shape) {
        INDArray source = contiguous(grad);
        INDArray out = Nd4j.zeros(grad.dataType(), shape);
        Values from = Values.of(source), to = Values.of(out);
        for (int o = 0; o < argmax.length; o++) to.set(argmax[o], to.get(argmax[o]) + from.get(o));
        return out;
    }

    /** For x viewed as [outer, n, inner]: the flat index of the first maximum along n, per (outer, inner). */
    static int[] argmaxAlong(INDArray x, long outer, long n, long inner) {
        Values in = Values.of(contiguous(x));
        int[] argmax = new int[(int) (outer * inner)];
        for (long a = 0; a < outer; a++) {
            for (long c = 0; c < inner; c++) {
                int best = (int) (a * n * inner + c);
                for (long s = 1; s < n; s++) {
                    int i = (int) ((a * n + s) * inner + c);
                    if (in.get(i) > in.get(best)) best = i;
                }
                argmax[(int) (a * inner + c)] = best;
            }
        }
        return argmax;
    }
}
