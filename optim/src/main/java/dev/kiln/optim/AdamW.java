package dev.kiln.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019), as Keras 3 {@code AdamW}: before the
 * {@link Adam} update, {@code w ← w − lr · weightDecay · w}, so the decay is not rescaled by Adam's moments. The
 * decay is the {@code weightDecay} of {@link OptimizerOptions}, which every optimizer has; AdamW only changes its
 * default from 0 to 0.004.
 * <pre>
 * w ← w − lr·weightDecay·w
 * m ← m + (g − m)·(1 − beta1);   v ← v + (g² − v)·(1 − beta2)
 * w ← w − lr·√(1 − beta2^t)/(1 − beta1^t) · m / (√v + epsilon)
 * </pre>
 * Keras defaults: lr 0.001, weightDecay 0.004, beta1 0.9, beta2 0.999, epsilon 1e-7, amsgrad false.
 */
public final class AdamW extends Optimizer {

    /** AdamW's configuration: Adam's, with the weight decay in {@code options}. */
    public record Config(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, boolean amsgrad,
                         OptimizerOptions options) implements OptimizerConfig<Config> {
        public Config {
            Adam.checkAdamArguments(beta1, beta2, epsilon);
        }

        /** Keras's defaults: lr 0.001, weightDecay 0.004, beta1 0.9, beta2 0.999, epsilon 1e-7. */
        public static Config defaults() {
            var options = OptimizerOptions.NONE.withWeightDecay(0.004);
            return new Config(LearningRateSchedule.constant(0.001), 0.9, 0.999, 1e-7, false, options);
        }

        @Override
        public String name() { return "adamw"; }

        @Override
        public Config withLearningRate(LearningRateSchedule learningRate) {
            return new Config(learningRate, beta1, beta2, epsilon, amsgrad, options);
        }

        @Override
        public Config withOptions(OptimizerOptions options) { return new Config(learningRate, beta1, beta2, epsilon, amsgrad, options); }

        public Config withBeta1(double beta1) { return new Config(learningRate, beta1, beta2, epsilon, amsgrad, options); }

        public Config withBeta2(double beta2) { return new Config(learningRate, beta1, beta2, epsilon, amsgrad, options); }

        public Config withEpsilon(double epsilon) { return new Config(learningRate, beta1, beta2, epsilon, amsgrad, options); }

        public Config withAmsgrad(boolean amsgrad) { return new Config(learningRate, beta1, beta2, epsilon, amsgrad, options); }

        @Override
        public AdamW create() { return new AdamW(this); }
    }

    private final Config config;

    public AdamW() { this(Config.defaults()); }

    public AdamW(double learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public AdamW(double learningRate, double weightDecay) {
        this(Config.defaults().withLearningRate(learningRate).withWeightDecay(weightDecay));
    }

    public AdamW(LearningRateSchedule learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public AdamW(Config config) {
        super(config);
        this.config = config;
    }

    @Override
    protected List<String> slotNames() { return Adam.slotNames(config.amsgrad()); }

    @Override
    protected void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots) {
        Adam.step(variable, gradient, learningRate, iterations(), config.beta1(), config.beta2(), config.epsilon(), config.amsgrad(),
                slots);
    }

    @Override
    public Config config() { return config.withLearningRate(learningRateSchedule()); }
}
