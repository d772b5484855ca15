package dev.kiln.layers;

import dev.kiln.core.Tensor;

/**
 * A penalty on a weight (or on a layer's outputs) added to the training loss, as Keras's regularizers:
 * L1: l1·Σ|w|; L2: l2·Σw²; L1L2: both. The penalty is a scalar tensor in the weight's dtype.
 */
public sealed interface Regularizer {

    /** The penalty for {@code x}, a scalar. */
    Tensor apply(Tensor x);

    /** The Keras name: "l1", "l2", "l1_l2". */
    String kerasName();

    /** Keras's default: l1 = 0.01. */
    static Regularizer l1() { return new L1(0.01); }

    static Regularizer l1(double l1) { return new L1(l1); }

    /** Keras's default: l2 = 0.01. */
    static Regularizer l2() { return new L2(0.01); }

    static Regularizer l2(double l2) { return new L2(l2); }

    static Regularizer l1l2(double l1, double l2) { return new L1L2(l1, l2); }

    /** l1·Σ|x|. */
    record L1(double l1) implements Regularizer {
        public L1 { requireNonNegative("l1", l1); }

        public Tensor apply(Tensor x) { return x.abs().sum().mul(l1); }

        public String kerasName() { return "l1"; }
    }

    /** l2·Σx². */
    record L2(double l2) implements Regularizer {
        public L2 { requireNonNegative("l2", l2); }

        public Tensor apply(Tensor x) { return x.square().sum().mul(l2); }

        public String kerasName() { return "l2"; }
    }

    /** l1·Σ|x| + l2·Σx². */
    record L1L2(double l1, double l2) implements Regularizer {
        public L1L2 {
            requireNonNegative("l1", l1);
            requireNonNegative("l2", l2);
        }

        public Tensor apply(Tensor x) { return x.abs().sum().mul(l1).add(x.square().sum().mul(l2)); }

        public String kerasName() { return "l1_l2"; }
    }

    private static void requireNonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid value for argument " + name + ": expected a non-negative float. Received: "
                    + name + "=" + value);
        }
    }
}
