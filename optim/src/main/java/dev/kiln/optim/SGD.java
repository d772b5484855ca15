package dev.kiln.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.ops.impl.updaters.NesterovsUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gradient descent with optional momentum and Nesterov momentum, as Keras 3 {@code SGD}. With gradient g,
 * learning rate lr and velocity slot m (only kept when momentum &gt; 0):
 * <pre>
 * momentum = 0:               w ← w − lr·g
 * momentum &gt; 0:               m ← momentum·m − lr·g
 *   nesterov = false:         w ← w + m
 *   nesterov = true:          w ← w + momentum·m − lr·g        (with the new m)
 * </pre>
 * Keras defaults: lr 0.01, momentum 0, nesterov false.
 */
public final class SGD extends Optimizer {

    /** SGD's configuration; {@code momentum} is in [0, 1]. */
    public record Config(LearningRateSchedule learningRate, double momentum, boolean nesterov, OptimizerOptions options)
            implements OptimizerConfig<Config> {
        public Config {
            Check.inClosedUnitInterval("momentum", momentum);
        }

        /** Keras's defaults: lr 0.01, no momentum. */
        public static Config defaults() { return new Config(LearningRateSchedule.constant(0.01), 0, false, OptimizerOptions.NONE); }

        @Override
        public String name() { return "sgd"; }

        @Override
        public Config withLearningRate(LearningRateSchedule learningRate) {
            return new Config(learningRate, momentum, nesterov, options);
        }

        @Override
        public Config withOptions(OptimizerOptions options) { return new Config(learningRate, momentum, nesterov, options); }

        public Config withMomentum(double momentum) { return new Config(learningRate, momentum, nesterov, options); }

        public Config withNesterov(boolean nesterov) { return new Config(learningRate, momentum, nesterov, options); }

        @Override
        public SGD create() { return new SGD(this); }
    }

    private final Config config;

    public SGD() { this(Config.defaults()); }

    public SGD(double learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public SGD(double learningRate, double momentum) { this(Config.defaults().withLearningRate(learningRate).withMomentum(momentum)); }

    public SGD(LearningRateSchedule learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public SGD(Config config) {
        super(config);
        this.config = config;
    }

    @Override
    protected List<String> slotNames() { return config.momentum() > 0 ? List.of("momentum") : List.of(); }

    @Override
    protected void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots) {
        double momentum = config.momentum();
        if (momentum == 0) {
            Nd4j.exec(new Axpy(gradient, variable, variable, -learningRate));          // w ← −lr·g + w
            return;
        }
        INDArray m = slots.get("momentum");
        if (config.nesterov()) {
            // nesterovs_updater: m ← momentum·m − lr·g and g ← momentum·m_old − (1 + momentum)·m, which is
            // −(momentum·m − lr·g) with the new m, so subtracting it is Keras's Nesterov step.
            Nd4j.exec(new NesterovsUpdater(gradient, m, learningRate, momentum));
            variable.subi(gradient);
        } else {
            m.muli(momentum);
            Nd4j.exec(new Axpy(gradient, m, m, -learningRate));                        // m ← −lr·g + momentum·m
            variable.addi(m);
        }
    }

    @Override
    public Config config() { return config.withLearningRate(learningRateSchedule()); }
}
