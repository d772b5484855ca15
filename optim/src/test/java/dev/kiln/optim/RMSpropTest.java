package dev.kiln.optim;

import static dev.kiln.optim.Quadratic.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class RMSpropTest {

    @Test
    void plainStepsMatchTheFormula() {
        var problem = new Quadratic();
        var rmsprop = new RMSprop(0.05);
        double[] w = Quadratic.START.clone();
        double[] v = new double[4];
        for (int step = 1; step <= 5; step++) {
            double[] g = Quadratic.gradient(w);
            for (int i = 0; i < 4; i++) {
                v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
                w[i] -= 0.05 * g[i] / Math.sqrt(v[i] + 1e-7);
            }
            problem.step(rmsprop);
            assertClose(w, problem.values(), "RMSprop step " + step);
        }
        assertEquals(List.of("velocity"), List.copyOf(rmsprop.state().slots().get(0).keySet()));
    }

    @Test
    void centeredWithMomentumMatchesTheFormula() {
        var problem = new Quadratic();
        var rmsprop = new RMSprop(RMSprop.Config.defaults().withLearningRate(0.05).withRho(0.8).withMomentum(0.5).withCentered(true));
        double[] w = Quadratic.START.clone();
        double[] v = new double[4];
        double[] a = new double[4];
        double[] m = new double[4];
        for (int step = 1; step <= 5; step++) {
            double[] g = Quadratic.gradient(w);
            for (int i = 0; i < 4; i++) {
                v[i] = 0.8 * v[i] + 0.2 * g[i] * g[i];
                a[i] = 0.8 * a[i] + 0.2 * g[i];
                double increment = 0.05 * g[i] / Math.sqrt(v[i] - a[i] * a[i] + 1e-7);
                m[i] = 0.5 * m[i] + increment;
                w[i] -= m[i];
            }
            problem.step(rmsprop);
            assertClose(w, problem.values(), "centered RMSprop with momentum, step " + step);
            var slots = rmsprop.state().slots().get(0);
            assertClose(a, slots.get("average_gradient").values(), "average_gradient after step " + step);
            assertClose(m, slots.get("momentum").values(), "momentum after step " + step);
        }
    }

    /** Keras's rmsprop_test.py test_single_step and test_correctness_with_golden. */
    @Test
    void matchesKerasGoldenValues() {
        var w = Tensor.of(new double[] {1, 2, 3, 4}, 4).requiringGrad();
        Quadratic.setGradient(w, new double[] {1, 6, 7, 2});
        new RMSprop(0.5).apply(List.of(w));
        assertArrayEquals(new double[] {-0.5811, 0.4189, 1.4189, 2.4189}, w.toDoubleArray(), 1e-4);

        KerasGolden.run(new RMSprop(RMSprop.Config.defaults().withCentered(true)), AdamTest.ones(), new double[][] {
            AdamTest.filled(0.9967), AdamTest.filled(0.9933), AdamTest.filled(0.9908), AdamTest.filled(0.9885),
            AdamTest.filled(0.9864)});
    }
}
