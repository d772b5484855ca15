package dev.kiln.optim;

import static dev.kiln.optim.Quadratic.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamTest {

    /** Keras's Adam step, by hand: returns the new w and updates m, v (and vHat) in place. */
    static double[] adamStep(double[] w, double[] g, double[] m, double[] v, double[] vHat, long t,
                             double lr, double beta1, double beta2, double epsilon) {
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        double[] next = w.clone();
        for (int i = 0; i < w.length; i++) {
            m[i] += (g[i] - m[i]) * (1 - beta1);
            v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
            double velocity = v[i];
            if (vHat != null) {
                vHat[i] = Math.max(vHat[i], v[i]);
                velocity = vHat[i];
            }
            next[i] -= alpha * m[i] / (Math.sqrt(velocity) + epsilon);
        }
        return next;
    }

    @Test
    void firstStepsMatchTheFormula() {
        var problem = new Quadratic();
        var adam = new Adam(0.1);
        double[] w = Quadratic.START.clone();
        double[] m = new double[4];
        double[] v = new double[4];
        for (int t = 1; t <= 5; t++) {
            w = adamStep(w, Quadratic.gradient(w), m, v, null, t, 0.1, 0.9, 0.999, 1e-7);
            problem.step(adam);
            assertClose(w, problem.values(), "Adam step " + t);
            var slots = adam.state().slots().get(0);
            assertClose(m, slots.get("momentum").values(), "momentum after step " + t);
            assertClose(v, slots.get("velocity").values(), "velocity after step " + t);
        }
    }

    /** Float32 on the CPU takes the host loop: the same formula, to float32 rounding, for Adam and AdamW. */
    @Test
    void float32StepsMatchTheFormula() {
        var problem = new Quadratic(Quadratic.START, DType.FLOAT32);
        var adam = new Adam(0.1);
        double[] w = Quadratic.START.clone();
        double[] m = new double[4];
        double[] v = new double[4];
        for (int t = 1; t <= 5; t++) {
            w = adamStep(w, Quadratic.gradient(problem.values()), m, v, null, t, 0.1, 0.9, 0.999, 1e-7);
            problem.step(adam);
            assertArrayEquals(w, problem.values(), 1e-5, "float32 Adam step " + t);
            assertArrayEquals(v, adam.state().slots().get(0).get("velocity").values(), 1e-4, "float32 velocity after step " + t);
        }
        var decayed = new Quadratic(Quadratic.START, DType.FLOAT32);
        var reference = new Quadratic(Quadratic.START, DType.FLOAT64);
        var adamW32 = new AdamW(0.1);
        var adamW64 = new AdamW(0.1);
        for (int t = 1; t <= 5; t++) {
            decayed.step(adamW32);
            reference.step(adamW64);
            assertArrayEquals(reference.values(), decayed.values(), 1e-5, "float32 AdamW step " + t);
        }
    }

    /** The host loop runs a chunk of the arrays at a time: a variable of two chunks and a part of one, every value updated. */
    @Test
    void float32StepsOverSeveralChunksMatchTheFormula() {
        int n = 2 * HostArrays.CHUNK + 3;
        double[] w = new double[n], m = new double[n], v = new double[n];
        for (int i = 0; i < n; i++) w[i] = Math.sin(i);
        Tensor variable = Tensor.of(w, n).cast(DType.FLOAT32).requiringGrad();
        var adam = new Adam(0.01);
        for (int t = 1; t <= 3; t++) {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) g[i] = Math.cos(i * t);
            w = adamStep(w, g, m, v, null, t, 0.01, 0.9, 0.999, 1e-7);
            Quadratic.setGradient(variable, g);
            adam.apply(List.of(variable));
            assertArrayEquals(w, variable.toDoubleArray(), 1e-5, "float32 Adam step " + t);
        }
    }

    /** With a fast-forgetting beta2 the velocity falls as the gradient shrinks, so AMSGrad's running max matters. */
    @Test
    void amsgradKeepsTheLargestVelocity() {
        var config = Adam.Config.defaults().withLearningRate(0.2).withBeta2(0.5).withAmsgrad(true);
        var problem = new Quadratic();
        var plain = new Quadratic();
        var adam = new Adam(config);
        var withoutAmsgrad = new Adam(config.withAmsgrad(false));
        double[] w = Quadratic.START.clone();
        double[] m = new double[4];
        double[] v = new double[4];
        double[] vHat = new double[4];
        for (int t = 1; t <= 6; t++) {
            w = adamStep(w, Quadratic.gradient(w), m, v, vHat, t, 0.2, 0.9, 0.5, 1e-7);
            problem.step(adam);
            plain.step(withoutAmsgrad);
            assertClose(w, problem.values(), "AMSGrad step " + t);
            assertClose(vHat, adam.state().slots().get(0).get("velocity_hat").values(), "velocity_hat after step " + t);
        }
        assertFalse(Arrays.equals(vHat, v), "the test must reach a step where the velocity falls below its maximum");
        assertFalse(Arrays.equals(problem.values(), plain.values()));
    }

    /** Keras's step is exactly zero at lr = 0 (a warm-up from 0); ND4J's op alone would step by epsilon. */
    @Test
    void zeroLearningRateLeavesTheParameterButUpdatesTheMoments() {
        var problem = new Quadratic();
        var adam = new Adam(new LearningRateSchedule.CosineDecay(0.0, 100, 0.0, 0.1, 10));
        problem.step(adam);
        assertArrayEquals(Quadratic.START, problem.values(), 0.0);
        double[] g = Quadratic.gradient(Quadratic.START);
        double[] m = new double[4];
        for (int i = 0; i < 4; i++) m[i] = 0.1 * g[i];
        assertClose(m, adam.state().slots().get(0).get("momentum").values(), "momentum");
    }

    @Test
    void adamWDecaysTheWeightsBeforeTheAdamStep() {
        var problem = new Quadratic();
        var adamW = new AdamW(0.1, 0.2);
        double[] w = Quadratic.START.clone();
        double[] m = new double[4];
        double[] v = new double[4];
        for (int t = 1; t <= 4; t++) {
            double[] g = Quadratic.gradient(w);                  // the gradient at the weights before the decay
            for (int i = 0; i < 4; i++) w[i] -= 0.1 * 0.2 * w[i];
            w = adamStep(w, g, m, v, null, t, 0.1, 0.9, 0.999, 1e-7);
            problem.step(adamW);
            assertClose(w, problem.values(), "AdamW step " + t);
        }
    }

    /** Decoupled: with a zero gradient Adam's moments stay 0 and only the decay moves the weights. */
    @Test
    void weightDecayIsDecoupledFromTheMoments() {
        var w = Tensor.of(new double[] {2.0, -4.0}, 2).requiringGrad();
        var adamW = new AdamW(0.5, 0.1);
        for (int step = 0; step < 3; step++) {
            Quadratic.setGradient(w, new double[] {0, 0});
            adamW.apply(List.of(w));
        }
        double factor = Math.pow(1 - 0.5 * 0.1, 3);
        assertArrayEquals(new double[] {2.0 * factor, -4.0 * factor}, w.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0, 0}, adamW.state().slots().get(0).get("momentum").values(), 0.0);
    }

    @Test
    void float32ParametersGetFloat32Slots() {
        var problem = new Quadratic(Quadratic.START, DType.FLOAT32);
        var adam = new Adam(0.1);
        double[] w = Quadratic.START.clone();
        double[] m = new double[4];
        double[] v = new double[4];
        for (int t = 1; t <= 3; t++) {
            w = adamStep(w, Quadratic.gradient(w), m, v, null, t, 0.1, 0.9, 0.999, 1e-7);
            problem.step(adam);
            assertArrayEquals(w, problem.values(), 1e-5, "float32 Adam step " + t);
        }
        assertEquals(DType.FLOAT32, problem.w.dtype());
        assertEquals(DType.FLOAT32, adam.state().slots().get(0).get("velocity").dtype());
    }

    /** Keras's adam_test.py and adamw_test.py test_single_step and test_correctness_with_golden. */
    @Test
    void matchesKerasGoldenValues() {
        var w = Tensor.of(new double[] {1, 2, 3, 4}, 4).requiringGrad();
        Quadratic.setGradient(w, new double[] {1, 6, 7, 2});
        new Adam(0.5).apply(List.of(w));
        assertArrayEquals(new double[] {0.5, 1.5, 2.5, 3.5}, w.toDoubleArray(), 1e-4);

        w = Tensor.of(new double[] {1, 2, 3, 4}, 4).requiringGrad();
        Quadratic.setGradient(w, new double[] {1, 6, 7, 2});
        new AdamW(0.5).apply(List.of(w));
        assertArrayEquals(new double[] {0.4980, 1.4960, 2.494, 3.492}, w.toDoubleArray(), 1e-4);

        KerasGolden.run(new Adam(Adam.Config.defaults().withAmsgrad(true)), ones(), new double[][] {
            filled(0.999), filled(0.9982), filled(0.9974), filled(0.9965), filled(0.9955)});

        KerasGolden.run(new AdamW(AdamW.Config.defaults().withLearningRate(1.0).withWeightDecay(0.5).withEpsilon(2)), ones(),
                new double[][] {
                    {0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998},
                    {0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382},
                    {0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003},
                    {0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258},
                    {0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159}});
    }

    static Tensor ones() { return Tensor.ones(Shape.of(10), DType.FLOAT64).requiringGrad(); }

    static double[] filled(double value) {
        double[] row = new double[10];
        Arrays.fill(row, value);
        return row;
    }
}
