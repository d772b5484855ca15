package dev.kiln.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What the composed recurrent kernels ({@link LstmKernel}, {@link GruKernel}) share: their time-major,
 * feature-major buffer layout and cheap views into it.
 *
 * <p>Layout. A step's values are stored transposed, [features, B], one step after the other: [T, features, B].
 * Then the recurrent product of a step is one GEMM, Wᵀ·h with h [U, B], whose gate blocks are contiguous [U, B]
 * rows, and every element-wise op of a step runs on contiguous memory. Steps are stored in processing order, so
 * goBackwards is a reversed copy of the input and nothing else.
 *
 * <p>Cost model (ND4J-NOTES.md): each native op costs 5-15 µs of dispatch and each view 7-13 µs, whatever its size,
 * so the kernels do per step only what the recurrence forces (one GEMM and a handful of element-wise ops) and
 * everything else once over all steps.
 */
final class Recurrent {

    private Recurrent() {}

    /**
     * A [rows, cols] c-order view of the contiguous block that starts {@code offset} elements into {@code base}: about
     * 6 µs, against 10-13 µs for get() or slice(). {@code base} must own its buffer (not be a view itself): the offset
     * counts from the start of that buffer.
     */
    static INDArray block(INDArray base, long offset, long rows, long cols) {
        return Nd4j.create(base.data(), new long[] {rows, cols}, new long[] {cols, 1}, offset, 'c', base.dataType());
    }

    /** A [n] view of the contiguous block that starts {@code offset} elements into {@code base}. */
    static INDArray vector(INDArray base, long offset, long n) {
        return Nd4j.create(base.data(), new long[] {n}, new long[] {1}, offset, 'c', base.dataType());
    }

    /** Rows [from, to) of every step of a [T, rows, B] buffer: a strided [T, to − from, B] view. */
    static INDArray rows(INDArray steps, long from, long to) {
        return steps.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /** Steps [from, to) of a [T, rows, B] buffer. */
    static INDArray steps(INDArray steps, long from, long to) {
        return steps.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
    }

    /** {@code x} [B, T, ...] reversed along time (a new array), or {@code x} itself when not going backwards. */
    static INDArray inProcessingOrder(INDArray x, boolean goBackwards) {
        return goBackwards ? Tensor.temp(Tensor.reversed(x, 1)) : x;
    }

    /** Copies x [B, T, C] into rows [0, C) of the first T steps of {@code buffer} [≥T, K, B]. */
    static void copyInputs(INDArray x, INDArray buffer) {
        long steps = x.size(1);
        long features = x.size(2);
        buffer.get(NDArrayIndex.interval(0, steps), NDArrayIndex.interval(0, features), NDArrayIndex.all()).assign(x.permute(1, 2, 0));
    }

    /**
     * The mask [B, T] as time-major [T, B] of exact 1.0 (step holds data) and 0.0 in processing order, or null. Any
     * non-zero entry counts as 1, as Keras reads masks as booleans.
     */
    static INDArray timeMajorMask(Tensor mask, DataType dtype, boolean goBackwards) {
        if (mask == null) return null;
        INDArray keep = inProcessingOrder(Tensor.temp(Tensor.temp(mask.array().neq(0)).castTo(dtype)), goBackwards);
        return Tensor.temp(keep.transpose().dup('c'));
    }

    /**
     * Which steps hold data in every sequence of the batch (null mask: all), read once from the [T, B] mask: those
     * steps need no masked update, which saves three ops per state per step where sequences overlap.
     */
    static boolean[] fullSteps(INDArray keep, long steps) {
        boolean[] full = new boolean[Math.toIntExact(steps)];
        if (keep == null) {
            java.util.Arrays.fill(full, true);
            return full;
        }
        double[] lowest = Tensor.temp(keep.min(1)).toDoubleVector();
        for (int t = 0; t < full.length; t++) full[t] = lowest[t] == 1;
        return full;
    }

    /**
     * Keras's masked update of a state [U, B] at one step: {@code updated = updated·m + previous·(1 − m)} with the
     * step's mask m [B] and 1 − m; exact for m of 0 and 1, so a masked step copies the previous state bit for bit.
     */
    static void keepWhereMasked(INDArray updated, INDArray previous, INDArray keep, INDArray dropped, INDArray work) {
        updated.muliRowVector(keep);
        Nd4j.exec(new BroadcastMulOp(previous, dropped, work, 1));
        updated.addi(work);
    }

    /** A time-major sequence [T, U, B] as batch-major [B, T, U], still in processing order (Keras's). */
    static INDArray batchMajor(INDArray timeMajor) { return timeMajor.permute(2, 0, 1).dup('c'); }

    /** Input gradients [T, C, B] in processing order as [B, T, C] in the input's own order. */
    static INDArray batchMajorInputs(INDArray timeMajor, boolean goBackwards) {
        INDArray dx = timeMajor.permute(2, 0, 1).dup('c');
        if (!goBackwards) return dx;
        Tensor.temp(dx);
        return Tensor.reversed(dx, 1);
    }

    /** A [U, B] state as [B, U]. */
    static INDArray batchRows(INDArray state) { return state.transpose().dup('c'); }

    /** A c-order view of the given shape on the contiguous block that starts {@code offset} elements into {@code base}. */
    static INDArray view(INDArray base, long offset, long... shape) {
        long[] stride = new long[shape.length];
        long size = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = size;
            size *= shape[i];
        }
        return Nd4j.create(base.data(), shape, stride, offset, 'c', base.dataType());
    }

    /**
     * Checks x [B, T, C], kernel [C, gates·U], recurrent kernel [U, gates·U], a bias of {@code biasShape} (or
     * none) and that all share x's float type; returns U.
     */
    static long checkWeights(String op, Tensor x, Tensor kernel, Tensor recurrentKernel, int gates, Tensor bias, Shape biasShape) {
        Shape s = x.shape();
        if (s.rank() != 3) throw new IllegalArgumentException(op + " expects input [batch, steps, features]. Received: " + s);
        long units = recurrentKernel.shape().get(0);
        if (!kernel.shape().equals(Shape.of(s.get(2), gates * units)) || !recurrentKernel.shape().equals(Shape.of(units, gates * units))) {
            throw new IllegalArgumentException(op + " expects kernel [" + s.get(2) + ", " + gates * units + "] and recurrent kernel ["
                    + units + ", " + gates * units + "]. Received: " + kernel.shape() + " and " + recurrentKernel.shape());
        }
        if (bias != null && !bias.shape().equals(biasShape)) {
            throw new IllegalArgumentException(op + " expects bias " + biasShape + ". Received: " + bias.shape());
        }
        for (Tensor t : new Tensor[] {kernel, recurrentKernel, bias}) {
            if (t != null && t.dtype() != x.dtype()) {
                throw new IllegalArgumentException(op + ": weights and input must share one float type. Received input "
                        + x.dtype().kerasName() + " and weights " + t.dtype().kerasName());
            }
        }
        return units;
    }

    /** Checks an initial state: [B, U] or null. */
    static void checkState(String op, String name, Tensor state, long batch, long units) {
        if (state != null && !state.shape().equals(Shape.of(batch, units))) {
            throw new IllegalArgumentException(op + " expects " + name + " [" + batch + ", " + units + "]. Received: " + state.shape());
        }
    }

    /** Checks a mask: [B, T] or null. */
    static void checkMask(String op, Tensor mask, Shape inputShape) {
        if (mask != null && !mask.shape().equals(Shape.of(inputShape.get(0), inputShape.get(1)))) {
            throw new IllegalArgumentException(op + " expects a mask [" + inputShape.get(0) + ", " + inputShape.get(1) + "]. Received: "
                    + mask.shape());
        }
    }
}
