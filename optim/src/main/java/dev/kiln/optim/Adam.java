package dev.kiln.optim;

import java.nio.FloatBuffer;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.api.ops.impl.updaters.AmsGradUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam (Kingma &amp; Ba 2014), as Keras 3 {@code Adam}. With gradient g, step t = iterations + 1, and slots m
 * ("momentum") and v ("velocity"):
 * <pre>
 * m ← m + (g − m)·(1 − beta1)
 * v ← v + (g² − v)·(1 − beta2)
 * v̂ ← max(v̂, v), and v̂ replaces v below        (amsgrad only; slot "velocity_hat")
 * α = lr · √(1 − beta2^t) / (1 − beta1^t)
 * w ← w − α · m / (√v + epsilon)
 * </pre>
 * The bias corrections are folded into α, so epsilon is the paper's "epsilon hat" (the formula before its section
 * 2.1), not the epsilon of its Algorithm 1, as in Keras and TensorFlow; PyTorch's Adam differs here.
 * Keras defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, amsgrad false. ND4J's fused
 * {@code adam_updater} and {@code ams_grad_updater} compute this formula (to rounding) in one op, except at lr = 0,
 * which {@link #step} handles.
 */
public final class Adam extends Optimizer {

    /** Adam's configuration; beta1 and beta2 are in [0, 1), epsilon is positive. */
    public record Config(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, boolean amsgrad,
                         OptimizerOptions options) implements OptimizerConfig<Config> {
        public Config {
            checkAdamArguments(beta1, beta2, epsilon);
        }

        /** Keras's defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
        public static Config defaults() {
            return new Config(LearningRateSchedule.constant(0.001), 0.9, 0.999, 1e-7, false, OptimizerOptions.NONE);
        }

        @Override
        public String name() { return "adam"; }

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
        public Adam create() { return new Adam(this); }
    }

    private final Config config;

    public Adam() { this(Config.defaults()); }

    public Adam(double learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public Adam(LearningRateSchedule learningRate) { this(Config.defaults().withLearningRate(learningRate)); }

    public Adam(Config config) {
        super(config);
        this.config = config;
    }

    @Override
    protected List<String> slotNames() { return slotNames(config.amsgrad()); }

    @Override
    protected void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots) {
        step(variable, gradient, learningRate, iterations(), config.beta1(), config.beta2(), config.epsilon(), config.amsgrad(), slots);
    }

    @Override
    public Config config() { return config.withLearningRate(learningRateSchedule()); }

    static void checkAdamArguments(double beta1, double beta2, double epsilon) {
        Check.inUnitInterval("beta1", beta1);
        Check.inUnitInterval("beta2", beta2);
        Check.positive("epsilon", epsilon);
    }

    static List<String> slotNames(boolean amsgrad) {
        return amsgrad ? List.of("momentum", "velocity", "velocity_hat") : List.of("momentum", "velocity");
    }

    /**
     * The Adam rule, shared with AdamW. Float32 on the CPU backend runs {@link #hostStep}; otherwise the updater ops
     * turn the gradient into the step, then it is subtracted.
     */
    static void step(INDArray variable, INDArray gradient, double learningRate, long iterations, double beta1, double beta2,
                     double epsilon, boolean amsgrad, Slots slots) {
        INDArray m = slots.get("momentum");
        INDArray v = slots.get("velocity");
        if (!amsgrad && HostArrays.denseFloat32OnCpu(variable, gradient, m, v)) {
            hostStep(variable, gradient, m, v, learningRate, iterations + 1, beta1, beta2, epsilon);
            return;
        }
        int iteration = (int) Math.min(iterations, Integer.MAX_VALUE);  // the op takes an int; beta^t is 0 long before
        if (amsgrad) {
            Nd4j.exec(new AmsGradUpdater(gradient, v, m, slots.get("velocity_hat"), learningRate, beta1, beta2, epsilon, iteration));
        } else {
            Nd4j.exec(new AdamUpdater(gradient, v, m, learningRate, beta1, beta2, epsilon, iteration));
        }
        // With lr = 0 the ops substitute epsilon for the step size α; Keras's step is then exactly 0.
        if (learningRate != 0) variable.subi(gradient);
    }

    /**
     * The same rule as one loop over heap copies, in float32 as Keras computes it, a chunk of the arrays at a time.
     * ND4J's adam_updater took about 800 µs for the 160,000 weights of an Embedding(10000, 16) on this project's
     * machine, and this loop over whole-array copies about 100 µs. Chunks that stay in the core's caches halve the
     * memory traffic of whole-array copies, which spilled out of L2 from W3's 320,000 embedding weights on: W3's
     * optimizer step took 780 µs with them and 610-650 in chunks.
     */
    private static void hostStep(INDArray variable, INDArray gradient, INDArray m, INDArray v, double learningRate, long step,
                                 double beta1, double beta2, double epsilon) {
        int n = Math.toIntExact(variable.length());
        FloatBuffer weights = variable.data().asNioFloat(), gradients = gradient.data().asNioFloat();
        FloatBuffer momenta = m.data().asNioFloat(), velocities = v.data().asNioFloat();
        int chunk = Math.min(n, HostArrays.CHUNK);
        float[] w = HostArrays.scratch(0, chunk), g = HostArrays.scratch(1, chunk);
        float[] mv = HostArrays.scratch(2, chunk), vv = HostArrays.scratch(3, chunk);
        float alpha = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        float oneMinusBeta1 = (float) (1 - beta1), oneMinusBeta2 = (float) (1 - beta2), eps = (float) epsilon;
        for (int from = 0; from < n; from += chunk) {
            int length = Math.min(chunk, n - from);
            weights.get(from, w, 0, length);
            gradients.get(from, g, 0, length);
            momenta.get(from, mv, 0, length);
            velocities.get(from, vv, 0, length);
            for (int i = 0; i < length; i++) {
                float gi = g[i];
                float mi = mv[i] + (gi - mv[i]) * oneMinusBeta1;
                float vi = vv[i] + (gi * gi - vv[i]) * oneMinusBeta2;
                mv[i] = mi;
                vv[i] = vi;
                w[i] -= alpha * mi / ((float) Math.sqrt(vi) + eps);
            }
            weights.put(from, w, 0, length);
            momenta.put(from, mv, 0, length);
            velocities.put(from, vv, 0, length);
        }
    }
}
