package dev.kiln.optim;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMSprop (Hinton, lecture 6e), as Keras 3 {@code RMSprop}. With gradient g and slots v ("velocity"),
 * a ("average_gradient", centered only) and m ("momentum", momentum &gt; 0 only):
 * <pre>
 * v ← rho·v + (1 − rho)·g²
 * a ← rho·a + (1 − rho)·g                          (centered)
 * d = v − a² + epsilon   (centered),   v + epsilon   (otherwise)
 * Δ = lr·g / √d
 * momentum &gt; 0:   m ← momentum·m + Δ;   w ← w − m
 * otherwise:      w ← w − Δ
 * </pre>
 * Epsilon sits inside the square root, as in Keras; ND4J's {@code rms_prop_updater} puts it outside, so this rule
 * is written with in-place array ops instead. Keras defaults: lr 0.001, rho 0.9, momentum 0, epsilon 1e-7,
 * centered false.
 */
public final class RMSprop extends Optimizer {

    /** RMSprop's configuration; rho is in [0, 1), momentum in [0, 1], epsilon positive. */
    public record Config(LearningRateSchedule learningRate, double rho, double momentum, double epsilon, boolean centered,
                         OptimizerOptions options) implements OptimizerConfig<Config> {
        public Config {
            Check.inUnitInterval("rho", rho);
            Check.inClosedUnitInterval("momentum", momentum);
            Check.positive("epsilon", epsilon);
        }

        /** Keras's defaults: lr 0.001, rho 0.9, no momentum, epsilon 1e-7, not centered. */
        public static Config defaults() {
            return new Config(LearningRateSchedule.constant(0.001), 0.9, 0, 1e-7, false, OptimizerOptions.NONE);
        }

        @Override
        public String name() { return "rmsprop"; }

        @Override
        public Config withLearningRate(LearningRateSchedule learningRate) {
            return new Config(learningRate, rho, momentum, epsilon, centered, options);
        }

        @Override
        public Config withOptions(OptimizerOptions options) {
            return new Config(learningRate, rho, momentum, epsilon, centered, options);
        }

        public Config withRho(double rho) { return new Config(learningRate, rho, momentum, epsilon, centered, options); }

        public Config withMomentum(double momentum) { return new Config(learningRate, rho, momentum, epsilon, centered, options); }

        public Config withEpsilon(double epsilon) { return new Config(learningRate, rho, momentum, epsilon, centered, options); }

        public Config withCentered(boolean centered) { return new Config(learningRate, rho, momentum, epsilon, centered, options); }

        @Override
        public RMSprop create() { return new RMSprop(this); }
    }

    private final Config config;

    public RMSprop() { this(Config.defaults()); }

    public RMSprop(double learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public RMSprop(LearningRateSchedule learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public RMSprop(Config config) {
        super(config);
        this.config = config;
    }

    @Override
    protected List<String> slotNames() {
        var names = new ArrayList<String>(List.of("velocity"));
        if (config.momentum() > 0) names.add("momentum");
        if (config.centered()) names.add("average_gradient");
        return List.copyOf(names);
    }

    @Override
    protected void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots) {
        double rho = config.rho();
        INDArray v = slots.get("velocity");
        INDArray d = slots.scratch();
        v.muli(rho);
        gradient.mul(gradient, d);                                   // d = g²
        Nd4j.exec(new Axpy(d, v, v, 1 - rho));                       // v ← (1 − rho)·g² + rho·v
        if (config.centered()) {
            INDArray a = slots.get("average_gradient");
            a.muli(rho);
            Nd4j.exec(new Axpy(gradient, a, a, 1 - rho));            // a ← (1 − rho)·g + rho·a
            a.mul(a, d).rsubi(v);                                    // d = v − a²
            d.addi(config.epsilon());
        } else {
            v.add(config.epsilon(), d);                              // d = v + epsilon
        }
        Transforms.sqrt(d, false);
        d.rdivi(gradient);                                           // d = g / √d, so Δ = lr·d
        if (config.momentum() > 0) {
            INDArray m = slots.get("momentum");
            m.muli(config.momentum());
            Nd4j.exec(new Axpy(d, m, m, learningRate));              // m ← lr·d + momentum·m
            variable.subi(m);
        } else {
            Nd4j.exec(new Axpy(d, variable, variable, -learningRate));
        }
    }

    @Override
    public Config config() { return config.withLearningRate(learningRateSchedule()); }
}
