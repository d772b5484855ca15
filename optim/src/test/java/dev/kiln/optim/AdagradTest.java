package dev.kiln.optim;

import static dev.kiln.optim.Quadratic.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.core.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdagradTest {

    @Test
    void stepsMatchTheFormulaFromTheInitialAccumulator() {
        var problem = new Quadratic();
        var adagrad = new Adagrad(Adagrad.Config.defaults().withLearningRate(0.3).withInitialAccumulatorValue(0.25));
        double[] w = Quadratic.START.clone();
        double[] accumulator = new double[4];
        Arrays.fill(accumulator, 0.25);
        for (int step = 1; step <= 5; step++) {
            double[] g = Quadratic.gradient(w);
            for (int i = 0; i < 4; i++) {
                accumulator[i] += g[i] * g[i];
                w[i] -= 0.3 * g[i] / Math.sqrt(accumulator[i] + 1e-7);
            }
            problem.step(adagrad);
            assertClose(w, problem.values(), "Adagrad step " + step);
            assertClose(accumulator, adagrad.state().slots().get(0).get("accumulator").values(), "accumulator after step " + step);
        }
    }

    /** Keras's adagrad_test.py test_single_step and test_correctness_with_golden. */
    @Test
    void matchesKerasGoldenValues() {
        var w = Tensor.of(new double[] {1, 2, 3, 4}, 4).requiringGrad();
        Quadratic.setGradient(w, new double[] {1, 6, 7, 2});
        new Adagrad(0.5).apply(List.of(w));
        assertArrayEquals(new double[] {0.5233, 1.5007, 2.5005, 3.5061}, w.toDoubleArray(), 1e-4);

        KerasGolden.run(new Adagrad(Adagrad.Config.defaults().withLearningRate(0.2).withInitialAccumulatorValue(0.3).withEpsilon(1e-6)),
                AdamTest.ones(), new double[][] {
                    {0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963},
                    {0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209},
                    {0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891},
                    {0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579},
                    {0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825}});
    }
}
