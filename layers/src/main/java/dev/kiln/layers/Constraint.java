package dev.kiln.layers;

import dev.kiln.core.Tensor;
import java.util.List;

/**
 * A projection applied to a weight after each optimizer step, as Keras's constraints. Norms are taken over
 * {@code axis} (Keras's default 0: for a Dense kernel [in, units], each unit's incoming weight vector; for a
 * Conv1D kernel [k, in, filters] use axes 0 and 1). epsilon = 1e-7 as Keras's backend epsilon.
 */
public sealed interface Constraint {

    double EPSILON = 1e-7;

    /** The projected weight (computed without gradient; the caller assigns it in place). */
    Tensor apply(Tensor w);

    /** Keras's default: maxValue 2, axis 0. */
    static Constraint maxNorm() { return new MaxNorm(2, List.of(0)); }

    static Constraint maxNorm(double maxValue, Integer... axis) { return new MaxNorm(maxValue, axes(axis)); }

    static Constraint nonNeg() { return new NonNeg(); }

    static Constraint unitNorm(Integer... axis) { return new UnitNorm(axes(axis)); }

    /** Keras's defaults: minValue 0, maxValue 1, rate 1, axis 0. */
    static Constraint minMaxNorm(double minValue, double maxValue) { return new MinMaxNorm(minValue, maxValue, 1, List.of(0)); }

    private static List<Integer> axes(Integer[] axis) { return axis.length == 0 ? List.of(0) : List.of(axis); }

    private static Tensor norms(Tensor w, List<Integer> axis) {
        return w.square().sum(true, axis.stream().mapToInt(Integer::intValue).toArray()).sqrt();
    }

    /** w · clip(‖w‖, 0, maxValue) / (ε + ‖w‖): caps each norm at maxValue. */
    record MaxNorm(double maxValue, List<Integer> axis) implements Constraint {
        public MaxNorm {
            if (!(maxValue > 0)) throw new IllegalArgumentException("maxValue must be positive. Received: maxValue=" + maxValue);
            axis = List.copyOf(axis);
        }

        public Tensor apply(Tensor w) {
            Tensor norms = norms(w, axis);
            return w.mul(norms.clip(0, maxValue).div(norms.add(EPSILON)));
        }
    }

    /** w · (w ≥ 0): zeroes negative entries. */
    record NonNeg() implements Constraint {
        public Tensor apply(Tensor w) { return w.relu(); }
    }

    /** w / (ε + ‖w‖): unit norm. */
    record UnitNorm(List<Integer> axis) implements Constraint {
        public UnitNorm { axis = List.copyOf(axis); }

        public Tensor apply(Tensor w) { return w.div(norms(w, axis).add(EPSILON)); }
    }

    /** w · (rate·clip(‖w‖, min, max) + (1 − rate)·‖w‖) / (ε + ‖w‖). */
    record MinMaxNorm(double minValue, double maxValue, double rate, List<Integer> axis) implements Constraint {
        public MinMaxNorm {
            if (minValue < 0 || minValue > maxValue) {
                throw new IllegalArgumentException("MinMaxNorm needs 0 <= minValue <= maxValue. Received: minValue=" + minValue
                        + ", maxValue=" + maxValue);
            }
            axis = List.copyOf(axis);
        }

        public Tensor apply(Tensor w) {
            Tensor norms = norms(w, axis);
            Tensor desired = norms.clip(minValue, maxValue).mul(rate).add(norms.mul(1 - rate));
            return w.mul(desired.div(norms.add(EPSILON)));
        }
    }
}
