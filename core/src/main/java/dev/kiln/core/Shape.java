package dev.kiln.core;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * The dimensions of a tensor. A dimension of {@link #UNKNOWN} (-1) stands for a size known only when data
 * flows, such as the batch dimension of a symbolic {@code Input}; it prints as {@code None}, as in Keras.
 */
public final class Shape {

    public static final long UNKNOWN = -1;

    private final long[] dims;

    private Shape(long[] dims) {
        for (long d : dims) {
            if (d < UNKNOWN) throw new IllegalArgumentException("Dimensions must be >= 0 (or -1 for unknown). Received: "
                    + Arrays.toString(dims));
        }
        this.dims = dims;
    }

    public static Shape of(long... dims) { return new Shape(dims.clone()); }

    public static Shape of(int... dims) { return new Shape(Arrays.stream(dims).asLongStream().toArray()); }

    /** A shape with an unknown leading batch dimension: {@code batchOf(100)} is [None, 100]. */
    public static Shape batchOf(long... dims) {
        return new Shape(LongStream.concat(LongStream.of(UNKNOWN), Arrays.stream(dims)).toArray());
    }

    public long[] dims() { return dims.clone(); }

    public int rank() { return dims.length; }

    /** The size of dimension {@code axis}; negative axes count from the end, as in Keras. */
    public long get(int axis) { return dims[axis(axis)]; }

    public long last() { return get(-1); }

    /** Resolves a possibly negative axis to its index, with an error naming the rank when it is out of range. */
    public int axis(int axis) {
        int resolved = axis < 0 ? axis + dims.length : axis;
        if (resolved < 0 || resolved >= dims.length) {
            throw new IllegalArgumentException("Axis " + axis + " is out of range for a tensor of rank " + dims.length
                    + " and shape " + this);
        }
        return resolved;
    }

    /** The number of elements; fails when a dimension is unknown. */
    public long size() {
        long n = 1;
        for (long d : dims) {
            if (d == UNKNOWN) throw new IllegalStateException("Shape " + this + " has an unknown dimension");
            n *= d;
        }
        return n;
    }

    public boolean isFullyKnown() { return Arrays.stream(dims).noneMatch(d -> d == UNKNOWN); }

    public Shape with(int axis, long size) {
        long[] copy = dims.clone();
        copy[axis(axis)] = size;
        return new Shape(copy);
    }

    public Shape withLast(long size) { return with(-1, size); }

    /** The shape without its first dimension: the per-sample shape of a batch. */
    public Shape dropFirst() { return new Shape(Arrays.copyOfRange(dims, 1, dims.length)); }

    /** This shape with {@code size} in front: {@code Shape.of(100).prepend(32)} is [32, 100]. */
    public Shape prepend(long size) {
        return new Shape(LongStream.concat(LongStream.of(size), Arrays.stream(dims)).toArray());
    }

    public Shape append(long size) {
        return new Shape(LongStream.concat(Arrays.stream(dims), LongStream.of(size)).toArray());
    }

    /** Keras's fan-in for weight initialization: second-to-last dimension times the receptive field. */
    public double fanIn() {
        if (dims.length == 0) return 1;
        if (dims.length == 1) return dims[0];
        return dims[dims.length - 2] * receptiveField();
    }

    /** Keras's fan-out for weight initialization: last dimension times the receptive field. */
    public double fanOut() {
        if (dims.length == 0) return 1;
        if (dims.length == 1) return dims[0];
        return dims[dims.length - 1] * receptiveField();
    }

    private double receptiveField() {
        double field = 1;
        for (int i = 0; i < dims.length - 2; i++) field *= dims[i];
        return field;
    }

    /** True when the two shapes agree wherever both are known. */
    public boolean isCompatibleWith(Shape other) {
        if (other.rank() != rank()) return false;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != UNKNOWN && other.dims[i] != UNKNOWN && dims[i] != other.dims[i]) return false;
        }
        return true;
    }

    @Override
    public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    /** {@code [32, 100]}, or {@code [None, 100]} with an unknown batch. */
    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(d -> d == UNKNOWN ? "None" : Long.toString(d))
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
