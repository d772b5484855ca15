package dev.kiln.core;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** NumPy broadcasting for binary ops, and the one place that sums a gradient back to an input's shape. */
final class Broadcast {

    private Broadcast() {}

    /** Runs a broadcasting binary op ("add", "subtract", "multiply", "divide", "maximum", ...) into a new array. */
    static INDArray apply(String op, INDArray a, INDArray b) {
        if (a.dataType() != b.dataType() && !op.endsWith("equal")) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + DType.of(a.dataType()).kerasName() + " and "
                    + DType.of(b.dataType()).kerasName() + ". Cast one with cast().");
        }
        if (Arrays.equals(a.shape(), b.shape())) {
            if (onHost(a, b)) {
                switch (op) {
                    case "add": return CpuBlas.sum(a, b, 1);
                    case "subtract": return CpuBlas.sum(a, b, -1);
                    case "multiply": return HostLoops.multiply(a, b);
                    default: break;
                }
            }
            switch (op) {
                case "add": return a.add(b);
                case "subtract": return a.sub(b);
                case "multiply": return a.mul(b);
                case "divide": return a.div(b);
                default: break;
            }
        }
        shape(op, a.shape(), b.shape());
        if (onHost(a, b) && a.dataType() == DataType.FLOAT && (op.equals("add") || op.equals("subtract") || op.equals("multiply"))) {
            if (broadcastsAlongRows(b.shape(), a.shape())) return HostLoops.alongRows(op, a, b, false);
            if (broadcastsAlongRows(a.shape(), b.shape())) return HostLoops.alongRows(op, b, a, true);
        }
        return Native.first(op, new long[0], a, b);
    }

    /**
     * Whether {@code row} broadcasts over the leading axes of {@code full} (a position embedding [T, C] added to
     * [B, T, C]): its rank is at most full's and, past leading 1s, its axes are full's last axes. Float32 arrays of
     * these shapes run as a host loop (HostLoops.alongRows) instead of ND4J's broadcasting op.
     */
    private static boolean broadcastsAlongRows(long[] row, long[] full) {
        if (row.length > full.length) return false;
        int first = 0;
        while (first < row.length && row[first] == 1) first++;
        for (int d = first; d < row.length; d++) if (row[d] != full[full.length - row.length + d]) return false;
        return true;
    }

    /** c·x in a new array: on the CPU for dense float arrays as BLAS calls (ND4J's scalar op woke a second OpenMP thread). */
    static INDArray scaled(INDArray x, double c) { return onHost(x, x) ? CpuBlas.scaled(x, c) : x.mul(c); }

    /**
     * Whether a same-shape add, subtract or multiply runs as BLAS calls or a host loop: on the CPU, for dense float32
     * or float64 arrays of one type. ND4J's ops woke a second OpenMP thread for each call, about 50 µs of their 62-74
     * for W3's [32, 100, 32] activations (CpuBlas.addInPlace).
     */
    static boolean onHost(INDArray a, INDArray b) {
        DataType type = a.dataType();
        return HostLoops.enabled() && type == b.dataType() && (type == DataType.FLOAT || type == DataType.DOUBLE) && Gemm.isDense(a)
                && Gemm.isDense(b);
    }

    /** The broadcast result shape, or an error naming the op and both shapes. */
    static long[] shape(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Shape.of(a) + " and " + Shape.of(b) + " cannot be broadcast together");
            }
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /**
     * Sums {@code grad} over the axes that broadcasting expanded, giving an array of {@code target} shape. A gradient
     * that is reduced is an intermediate of the backward pass (such as g·other in mul's gradient), so it is recorded
     * in the memory scope: left to the garbage collector, these made a Transformer step's resident memory climb.
     */
    static INDArray sumTo(INDArray grad, long[] target) {
        long[] shape = grad.shape();
        if (Arrays.equals(shape, target)) return grad;
        Tensor.temp(grad);
        int lead = shape.length - target.length;
        int[] axes = new int[shape.length];
        int count = 0;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) axes[count++] = i;
        }
        boolean leadingAxes = count > 0 && axes[count - 1] == count - 1;       // the reduced axes are 0, 1, ..., count − 1
        if (leadingAxes && onHost(grad, grad)) {
            long[] sizes = aroundRun(shape, 0, count - 1);
            return Tensor.temp(CpuBlas.sumsAlong(grad, 1, Math.toIntExact(sizes[1]), Math.toIntExact(sizes[2]), 1, target));
        }
        INDArray summed = Tensor.temp(grad.sum(true, Arrays.copyOf(axes, count)));
        return summed.reshape('c', target);
    }

    /**
     * Broadcasts a reduced gradient (shape {@code kept}, reduced axes of size 1) back to {@code full}, times
     * {@code scale}: the gradient of a sum (1) or a mean (1/n). When the reduced axes are one run of adjacent axes, on
     * the CPU, each gradient row is scaled once and copied along the run (HostLoops.repeatRows): ND4J's broadcasting
     * add and scale took 8% of W3's training step for GlobalAveragePooling1D's gradient, waking a second OpenMP
     * thread for each op. Otherwise adding into zeros runs ND4J's broadcasting add, 10-30x faster than
     * INDArray.broadcast (2 ms vs 70 ms for [32, 2, 200, 200]).
     */
    static INDArray expandTo(INDArray grad, long[] kept, long[] full, double scale) {
        int first = -1, last = -1;
        boolean oneRun = true;
        for (int d = 0; d < full.length; d++) {
            if (kept[d] == full[d]) continue;
            if (first < 0) first = d;
            else if (d != last + 1) oneRun = false;                    // reduced axes with a kept axis between them
            last = d;
        }
        DataType type = grad.dataType();
        if (first >= 0 && oneRun && HostLoops.enabled() && (type == DataType.FLOAT || type == DataType.DOUBLE)) {
            long[] sizes = aroundRun(full, first, last);
            return HostLoops.repeatRows(grad, Math.toIntExact(sizes[0]), Math.toIntExact(sizes[1]), Math.toIntExact(sizes[2]), scale, full);
        }
        INDArray out = Nd4j.zeros(type, full).addi(grad.reshape('c', kept));
        return scale == 1 ? out : out.muli(scale);
    }

    /**
     * {outer, run, inner}: the products of {@code shape}'s axes before {@code first}, from first to {@code last}, and
     * after last. An array read as [outer, run, inner], for reductions and broadcasts over one run of adjacent axes.
     */
    static long[] aroundRun(long[] shape, int first, int last) {
        long[] sizes = {1, 1, 1};
        for (int d = 0; d < shape.length; d++) sizes[d < first ? 0 : d <= last ? 1 : 2] *= shape[d];
        return sizes;
    }
}
