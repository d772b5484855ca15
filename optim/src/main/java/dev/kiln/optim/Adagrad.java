package dev.kiln.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adagrad (Duchi et al. 2011), as Keras 3 {@code Adagrad}. With gradient g and slot A ("accumulator"), which starts
 * at {@code initialAccumulatorValue}:
 * <pre>
 * A ← A + g²
 * w ← w − lr·g / √(A + epsilon)
 * </pre>
 * Epsilon sits inside the square root, as in Keras; ND4J's {@code ada_grad_updater} puts it outside, so this rule is
 * written with in-place array ops. Keras defaults: lr 0.001, initialAccumulatorValue 0.1, epsilon 1e-7.
 */
public final class Adagrad extends Optimizer {

    /** Adagrad's configuration; the initial accumulator value is &gt;= 0, epsilon positive. */
    public record Config(LearningRateSchedule learningRate, double initialAccumulatorValue, double epsilon, OptimizerOptions options)
            implements OptimizerConfig<Config> {
        public Config {
            Check.nonNegative("initialAccumulatorValue", initialAccumulatorValue);
            Check.positive("epsilon", epsilon);
        }

        /** Keras's defaults: lr 0.001, initial accumulator 0.1, epsilon 1e-7. */
        public static Config defaults() { return new Config(LearningRateSchedule.constant(0.001), 0.1, 1e-7, OptimizerOptions.NONE); }

        @Override
        public String name() { return "adagrad"; }

        @Override
        public Config withLearningRate(LearningRateSchedule learningRate) {
            return new Config(learningRate, initialAccumulatorValue, epsilon, options);
        }

        @Override
        public Config withOptions(OptimizerOptions options) {
            return new Config(learningRate, initialAccumulatorValue, epsilon, options);
        }

        public Config withInitialAccumulatorValue(double initialAccumulatorValue) {
            return new Config(learningRate, initialAccumulatorValue, epsilon, options);
        }

        public Config withEpsilon(double epsilon) { return new Config(learningRate, initialAccumulatorValue, epsilon, options); }

        @Override
        public Adagrad create() { return new Adagrad(this); }
    }

    private final Config config;

    public Adagrad() { this(Config.defaults()); }

    public Adagrad(double learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public Adagrad(LearningRateSchedule learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public Adagrad(Config config) {
        super(config);
        this.config = config;
    }

    @Override
    protected List<String> slotNames() { return List.of("accumulator"); }

    @Override
    protected double initialSlotValue(String slot) { return config.initialAccumulatorValue(); }

    @Override
    protected void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots) {
        INDArray accumulator = slots.get("accumulator");
        INDArray d = slots.scratch();
        accumulator.addi(gradient.mul(gradient, d));                 // A ← A + g²
        accumulator.add(config.epsilon(), d);                        // d = A + epsilon
        Transforms.sqrt(d, false);
        d.rdivi(gradient);                                           // d = g / √(A + epsilon)
        Nd4j.exec(new Axpy(d, variable, variable, -learningRate));   // w ← −lr·d + w
    }

    @Override
    public Config config() { return config.withLearningRate(learningRateSchedule()); }
}
