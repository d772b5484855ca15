package dev.kiln.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam with Nesterov momentum (Dozat 2016), as Keras 3 {@code Nadam}, including its momentum schedule. With
 * gradient g, step t = iterations + 1, slots m ("momentum") and v ("velocity"), and the momentum schedule
 * {@code u_k = beta1·(1 − ½·0.96^k)} with running product {@code Π_t = u_1·…·u_t}:
 * <pre>
 * m ← m + (g − m)·(1 − beta1)
 * v ← v + (g² − v)·(1 − beta2)
 * m̂ = u_{t+1}·m / (1 − Π_t·u_{t+1}) + (1 − u_t)·g / (1 − Π_t)
 * v̂ = v / (1 − beta2^t)
 * w ← w − lr·m̂ / (√v̂ + epsilon)
 * </pre>
 * ND4J's {@code nadam_updater} has no momentum schedule, so this rule is written with in-place array ops. The
 * product Π is shared by all parameters; it is a function of t alone, so it is recomputed rather than saved.
 * Keras defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7.
 */
public final class Nadam extends Optimizer {

    /** Nadam's configuration; beta1 and beta2 are in [0, 1), epsilon is positive. */
    public record Config(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, OptimizerOptions options)
            implements OptimizerConfig<Config> {
        public Config {
            Adam.checkAdamArguments(beta1, beta2, epsilon);
        }

        /** Keras's defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
        public static Config defaults() {
            return new Config(LearningRateSchedule.constant(0.001), 0.9, 0.999, 1e-7, OptimizerOptions.NONE);
        }

        @Override
        public String name() { return "nadam"; }

        @Override
        public Config withLearningRate(LearningRateSchedule learningRate) {
            return new Config(learningRate, beta1, beta2, epsilon, options);
        }

        @Override
        public Config withOptions(OptimizerOptions options) { return new Config(learningRate, beta1, beta2, epsilon, options); }

        public Config withBeta1(double beta1) { return new Config(learningRate, beta1, beta2, epsilon, options); }

        public Config withBeta2(double beta2) { return new Config(learningRate, beta1, beta2, epsilon, options); }

        public Config withEpsilon(double epsilon) { return new Config(learningRate, beta1, beta2, epsilon, options); }

        @Override
        public Nadam create() { return new Nadam(this); }
    }

    private static final double MOMENTUM_DECAY = 0.96;

    private final Config config;
    private double uProduct = 1;        // Π_k for k = uProductStep
    private long uProductStep;
    private double momentumScale;       // u_{t+1} / (1 − Π_{t+1}), multiplies m in m̂
    private double gradientScale;       // (1 − u_t) / (1 − Π_t), multiplies g in m̂
    private double velocityCorrection;  // 1 − beta2^t

    public Nadam() { this(Config.defaults()); }

    public Nadam(double learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public Nadam(LearningRateSchedule learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public Nadam(Config config) {
        super(config);
        this.config = config;
    }

    @Override
    protected List<String> slotNames() { return List.of("momentum", "velocity"); }

    @Override
    protected void beginStep() {
        long t = iterations() + 1;
        if (uProductStep != t - 1) {            // after loadState(): rebuild Π from the restored iteration count
            uProduct = 1;
            for (long k = 1; k < t; k++) uProduct = nextProduct(uProduct, k);
        }
        uProduct = nextProduct(uProduct, t);
        uProductStep = t;
        double uT = u(t);
        double uNext = u(t + 1);
        momentumScale = uNext / (1 - uProduct * uNext);
        gradientScale = (1 - uT) / (1 - uProduct);
        velocityCorrection = 1 - Math.pow(config.beta2(), t);
    }

    private double u(long k) { return config.beta1() * (1 - 0.5 * Math.pow(MOMENTUM_DECAY, k)); }

    /** Π_k from Π_{k−1}, grouped as Keras multiplies it. */
    private double nextProduct(double product, long k) {
        return product * config.beta1() * (1 - 0.5 * Math.pow(MOMENTUM_DECAY, k));
    }

    @Override
    protected void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots) {
        double beta1 = config.beta1();
        double beta2 = config.beta2();
        INDArray m = slots.get("momentum");
        INDArray v = slots.get("velocity");
        INDArray s = slots.scratch();
        m.muli(beta1);
        Nd4j.exec(new Axpy(gradient, m, m, 1 - beta1));              // m ← (1 − beta1)·g + beta1·m
        v.muli(beta2);
        gradient.mul(gradient, s);
        Nd4j.exec(new Axpy(s, v, v, 1 - beta2));                     // v ← (1 − beta2)·g² + beta2·v
        m.mul(momentumScale, s);
        Nd4j.exec(new Axpy(gradient, s, s, gradientScale));          // s = m̂
        INDArray denominator = v.div(velocityCorrection, gradient);  // the gradient is no longer needed: reuse it
        Transforms.sqrt(denominator, false).addi(config.epsilon());  // √v̂ + epsilon
        s.divi(denominator);
        Nd4j.exec(new Axpy(s, variable, variable, -learningRate));   // w ← −lr·m̂/(√v̂ + epsilon) + w
    }

    @Override
    public Config config() { return config.withLearningRate(learningRateSchedule()); }
}
