package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * The test problem: loss = Σ (w − target)², whose gradient 2(w − target) reaches the optimizer through
 * {@code backward()}, as in training. The reference updates in the tests recompute that gradient by hand in double.
 */
final class Quadratic {

    static final double[] START = {1.0, -2.0, 0.5, 3.0};
    static final double[] TARGET = {0.5, 1.0, -1.0, 2.5};
    static final double TOLERANCE = 1e-9;

    final Tensor w;
    private final Tensor target;

    Quadratic() { this(START, DType.FLOAT64); }

    Quadratic(double[] start, DType dtype) {
        w = Tensor.of(start, start.length).cast(dtype).requiringGrad();
        target = Tensor.of(TARGET, TARGET.length).cast(dtype);
    }

    /** One training step: the loss's gradient by backward(), then the optimizer's update. */
    void step(Optimizer optimizer) {
        w.zeroGrad();
        w.sub(target).square().sum().backward();
        optimizer.apply(List.of(w));
    }

    double[] values() { return w.toDoubleArray(); }

    /** ∂loss/∂w = 2(w − target), by hand. */
    static double[] gradient(double[] w) {
        double[] g = new double[w.length];
        for (int i = 0; i < w.length; i++) g[i] = 2 * (w[i] - TARGET[i]);
        return g;
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertArrayEquals(expected, actual, TOLERANCE, what);
    }

    /** A parameter whose gradient is exactly {@code gradient}: the loss Σ w·gradient is linear in w. */
    static void setGradient(Tensor w, double[] gradient) {
        w.zeroGrad();
        w.mul(Tensor.of(gradient, w.shape().dims()).cast(w.dtype())).sum().backward();
    }
}
