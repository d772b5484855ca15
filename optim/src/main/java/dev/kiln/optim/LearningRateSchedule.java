package dev.kiln.optim;

import java.util.List;

/**
 * The learning rate as a function of the optimizer's iteration count, as Keras's
 * {@code keras.optimizers.schedules}. An optimizer evaluates its schedule at {@code step = iterations()}, the number
 * of updates applied before the current one, so the first update uses {@code at(0)}.
 *
 * <p>Each variant is an immutable record whose components are its Keras config (in camelCase), so saving writes
 * the record and loading reads it back.
 */
public sealed interface LearningRateSchedule {

    /** The learning rate for the update that follows {@code step} earlier updates. */
    double at(long step);

    /** A fixed learning rate: what a plain number passed as a learning rate means. */
    static Constant constant(double learningRate) { return new Constant(learningRate); }

    /** {@code lr(step) = learningRate}. */
    record Constant(double learningRate) implements LearningRateSchedule {
        public Constant {
            Check.nonNegative("learningRate", learningRate);
        }

        @Override
        public double at(long step) { return learningRate; }
    }

    /**
     * {@code lr(step) = initialLearningRate · decayRate^(step / decaySteps)}; with {@code staircase} the exponent is
     * {@code floor(step / decaySteps)}, so the rate drops in steps.
     */
    record ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase)
            implements LearningRateSchedule {
        public ExponentialDecay {
            Check.nonNegative("initialLearningRate", initialLearningRate);
            Check.positive("decaySteps", decaySteps);
            Check.positive("decayRate", decayRate);
        }

        public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate) {
            this(initialLearningRate, decaySteps, decayRate, false);
        }

        @Override
        public double at(long step) {
            double p = (double) step / decaySteps;
            if (staircase) p = Math.floor(p);
            return initialLearningRate * Math.pow(decayRate, p);
        }
    }

    /**
     * {@code values[0]} while {@code step <= boundaries[0]}, {@code values[i]} while
     * {@code boundaries[i-1] < step <= boundaries[i]}, and the last value after the last boundary. Boundaries
     * increase strictly and there is one more value than boundaries.
     */
    record PiecewiseConstantDecay(List<Long> boundaries, List<Double> values) implements LearningRateSchedule {
        public PiecewiseConstantDecay {
            boundaries = List.copyOf(boundaries);
            values = List.copyOf(values);
            if (boundaries.size() != values.size() - 1) {
                throw new IllegalArgumentException("PiecewiseConstantDecay needs one more value than boundaries. Received: boundaries="
                        + boundaries + " of length " + boundaries.size() + ", and values=" + values + " of length " + values.size());
            }
            for (int i = 1; i < boundaries.size(); i++) {
                if (boundaries.get(i) <= boundaries.get(i - 1)) {
                    throw new IllegalArgumentException("PiecewiseConstantDecay boundaries must increase strictly. Received: boundaries="
                            + boundaries);
                }
            }
            for (double value : values) Check.nonNegative("values", value);
        }

        @Override
        public double at(long step) {
            for (int i = 0; i < boundaries.size(); i++) if (step <= boundaries.get(i)) return values.get(i);
            return values.get(values.size() - 1);
        }
    }

    /**
     * Cosine decay with an optional linear warm-up (Loshchilov & Hutter 2016; Goyal et al. 2017), as Keras 3.
     *
     * <p>Without warm-up ({@code warmupTarget == null}):
     * {@code lr(step) = initialLearningRate · ((1 − alpha) · ½(1 + cos(π · min(step, decaySteps) / decaySteps)) + alpha)}.
     *
     * <p>With warm-up, the rate first rises linearly from {@code initialLearningRate} to {@code warmupTarget}:
     * {@code lr(step) = initialLearningRate + (warmupTarget − initialLearningRate) · step / warmupSteps} for
     * {@code step < warmupSteps}; then it decays as above from {@code warmupTarget}, over
     * {@code s = min(step, warmupSteps + decaySteps) − warmupSteps}.
     *
     * @param alpha the final rate as a fraction of the rate the decay starts from, in [0, 1]
     * @param warmupTarget the rate reached at the end of the warm-up, or null for no warm-up
     */
    record CosineDecay(double initialLearningRate, long decaySteps, double alpha, Double warmupTarget, long warmupSteps)
            implements LearningRateSchedule {
        public CosineDecay {
            Check.nonNegative("initialLearningRate", initialLearningRate);
            Check.positive("decaySteps", decaySteps);
            Check.inClosedUnitInterval("alpha", alpha);
            if (warmupTarget != null) Check.nonNegative("warmupTarget", warmupTarget);
            Check.nonNegative("warmupSteps", warmupSteps);
            if (warmupTarget == null && warmupSteps > 0) {
                throw new IllegalArgumentException("CosineDecay warm-up needs a warmupTarget, the rate to warm up to. "
                        + "Received: warmupSteps=" + warmupSteps + ", warmupTarget=null");
            }
        }

        /** Cosine decay without warm-up. */
        public CosineDecay(double initialLearningRate, long decaySteps, double alpha) {
            this(initialLearningRate, decaySteps, alpha, null, 0);
        }

        @Override
        public double at(long step) {
            if (warmupTarget == null) return decayed(Math.min(step, decaySteps), initialLearningRate);
            double s = Math.min(step, decaySteps + warmupSteps);
            if (s < warmupSteps) return (warmupTarget - initialLearningRate) * (s / warmupSteps) + initialLearningRate;
            return decayed(s - warmupSteps, warmupTarget);
        }

        private double decayed(double step, double from) {
            double cosine = 0.5 * (1 + Math.cos(Math.PI * (step / decaySteps)));
            return from * ((1 - alpha) * cosine + alpha);
        }
    }

    /**
     * {@code lr(step) = initialLearningRate / (1 + decayRate · step / decaySteps)}; with {@code staircase} the
     * quotient is {@code floor(step / decaySteps)}.
     */
    record InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase)
            implements LearningRateSchedule {
        public InverseTimeDecay {
            Check.nonNegative("initialLearningRate", initialLearningRate);
            Check.positive("decaySteps", decaySteps);
            Check.nonNegative("decayRate", decayRate);
        }

        public InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate) {
            this(initialLearningRate, decaySteps, decayRate, false);
        }

        @Override
        public double at(long step) {
            double p = (double) step / decaySteps;
            if (staircase) p = Math.floor(p);
            return initialLearningRate / (1 + decayRate * p);
        }
    }

    /**
     * {@code lr(step) = (initialLearningRate − endLearningRate) · (1 − s / d)^power + endLearningRate}. Without
     * {@code cycle}, {@code s = min(step, decaySteps)} and {@code d = decaySteps}, so the rate stays at
     * {@code endLearningRate} after {@code decaySteps}. With {@code cycle}, {@code s = step} and {@code d} is
     * {@code decaySteps} times {@code ceil(step / decaySteps)} (times 1 at step 0), so the decay restarts, more slowly,
     * each time it would end.
     */
    record PolynomialDecay(double initialLearningRate, long decaySteps, double endLearningRate, double power, boolean cycle)
            implements LearningRateSchedule {
        public PolynomialDecay {
            Check.nonNegative("initialLearningRate", initialLearningRate);
            Check.positive("decaySteps", decaySteps);
            Check.nonNegative("endLearningRate", endLearningRate);
            Check.positive("power", power);
        }

        /** Keras's defaults: linear decay to 0.0001, no cycle. */
        public PolynomialDecay(double initialLearningRate, long decaySteps) {
            this(initialLearningRate, decaySteps, 0.0001, 1.0, false);
        }

        @Override
        public double at(long step) {
            double s = step;
            double d = decaySteps;
            if (cycle) {
                d *= step == 0 ? 1 : Math.ceil(s / decaySteps);
            } else {
                s = Math.min(s, d);
            }
            return (initialLearningRate - endLearningRate) * Math.pow(1 - s / d, power) + endLearningRate;
        }
    }
}
