package dev.kiln.layers;

import dev.kiln.core.Padding;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * The base of MaxPooling1D and AveragePooling1D: a window of {@code poolSize} steps moving by {@code strides}.
 *
 * <p>Shapes: inputs [B, T, C] → outputs [B, T', C] with T' = ⌊(T − poolSize) / strides⌋ + 1 for padding "valid"
 * and ⌈T / strides⌉ for "same". Masks are dropped, as Keras does.
 */
public abstract class Pooling1D extends Layer {

    private final int poolSize;
    private final int strides;
    private final Padding padding;

    protected Pooling1D(int poolSize, int strides, Padding padding) {
        this.poolSize = poolSize;
        this.strides = strides;
        this.padding = padding;
    }

    /** Pools x [B, T, C] → [B, T', C]. */
    protected abstract Tensor pool(Tensor x, int poolSize, int strides, Padding padding);

    static void validate(int poolSize, int strides, Padding padding) {
        if (poolSize <= 0) throw new IllegalArgumentException("poolSize must be positive. Received: poolSize=" + poolSize);
        if (strides <= 0) throw new IllegalArgumentException("strides must be positive. Received: strides=" + strides);
        if (padding == Padding.CAUSAL) throw new IllegalArgumentException("Pooling supports padding valid or same. Received: padding=causal");
    }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 3) throw inputError("expects input of rank 3 [batch, steps, channels]", inputShape);
        long steps = inputShape.get(1);
        if (padding == Padding.VALID && steps != Shape.UNKNOWN && steps < poolSize) {
            throw inputError("has poolSize=" + poolSize + ", more than the input's " + steps + " steps with padding 'valid'", inputShape);
        }
    }

    @Override
    protected final Tensor call(Tensor inputs, boolean training) { return pool(inputs, poolSize, strides, padding); }

    @Override
    public final Shape outputShape(Shape inputShape) {
        return inputShape.with(1, padding.outputLength(inputShape.get(1), poolSize, strides));
    }
}
