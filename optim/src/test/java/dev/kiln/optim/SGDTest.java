package dev.kiln.optim;

import static dev.kiln.optim.Quadratic.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import java.util.List;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.Test;

class SGDTest {

    @Test
    void plainStepsFollowTheGradient() {
        var problem = new Quadratic();
        var sgd = new SGD(0.1);
        double[] w = Quadratic.START.clone();
        for (int step = 1; step <= 4; step++) {
            double[] g = Quadratic.gradient(w);
            for (int i = 0; i < w.length; i++) w[i] -= 0.1 * g[i];
            problem.step(sgd);
            assertClose(w, problem.values(), "SGD step " + step);
        }
        assertEquals(4, sgd.iterations());
    }

    @Test
    void momentumAccumulatesAcrossSteps() {
        var problem = new Quadratic();
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(0.05).withMomentum(0.9));
        double[] w = Quadratic.START.clone();
        double[] m = new double[w.length];
        for (int step = 1; step <= 5; step++) {
            double[] g = Quadratic.gradient(w);
            for (int i = 0; i < w.length; i++) {
                m[i] = 0.9 * m[i] - 0.05 * g[i];
                w[i] += m[i];
            }
            problem.step(sgd);
            assertClose(w, problem.values(), "momentum step " + step);
            assertClose(m, sgd.state().slots().get(0).get("momentum").values(), "momentum slot after step " + step);
        }
    }

    @Test
    void nesterovLooksAhead() {
        var problem = new Quadratic();
        var sgd = new SGD(SGD.Config.defaults().withLearningRate(0.05).withMomentum(0.8).withNesterov(true));
        double[] w = Quadratic.START.clone();
        double[] m = new double[w.length];
        for (int step = 1; step <= 5; step++) {
            double[] g = Quadratic.gradient(w);
            for (int i = 0; i < w.length; i++) {
                m[i] = 0.8 * m[i] - 0.05 * g[i];
                w[i] += 0.8 * m[i] - 0.05 * g[i];
            }
            problem.step(sgd);
            assertClose(w, problem.values(), "Nesterov step " + step);
        }
    }

    @Test
    void withoutMomentumThereIsNoSlot() {
        var problem = new Quadratic();
        var sgd = new SGD();
        problem.step(sgd);
        assertEquals(List.of(), List.copyOf(sgd.state().slots().get(0).keySet()));
    }

    /** Keras's sgd_test.py test_single_step and test_correctness_with_golden (Keras's tolerances). */
    @Test
    void matchesKerasGoldenValues() {
        var w = Tensor.of(new double[] {1, 2, 3, 4}, 4).requiringGrad();
        Quadratic.setGradient(w, new double[] {1, 6, 7, 2});
        new SGD(0.5).apply(List.of(w));
        assertArrayEquals(new double[] {0.5, -1.0, -0.5, 3.0}, w.toDoubleArray(), 1e-4);

        var x = Tensor.ones(dev.kiln.core.Shape.of(10), DType.FLOAT64).requiringGrad();
        var sgd = new SGD(SGD.Config.defaults().withNesterov(true));
        double[][] golden = {
            {0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999},
            {0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899},
            {0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799},
            {0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699},
            {0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599}};
        KerasGolden.run(sgd, x, golden);
    }
}
