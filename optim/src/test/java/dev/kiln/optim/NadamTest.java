package dev.kiln.optim;

import static dev.kiln.optim.Quadratic.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class NadamTest {

    @Test
    void stepsMatchTheFormulaWithTheMomentumSchedule() {
        double lr = 0.1;
        double beta1 = 0.9;
        double beta2 = 0.999;
        var problem = new Quadratic();
        var nadam = new Nadam(lr);
        double[] w = Quadratic.START.clone();
        double[] m = new double[4];
        double[] v = new double[4];
        double uProduct = 1;
        for (int t = 1; t <= 5; t++) {
            double[] g = Quadratic.gradient(w);
            double uT = beta1 * (1 - 0.5 * Math.pow(0.96, t));
            double uNext = beta1 * (1 - 0.5 * Math.pow(0.96, t + 1));
            uProduct *= uT;
            double uProductNext = uProduct * uNext;
            for (int i = 0; i < 4; i++) {
                m[i] += (g[i] - m[i]) * (1 - beta1);
                v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
                double mHat = uNext * m[i] / (1 - uProductNext) + (1 - uT) * g[i] / (1 - uProduct);
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                w[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-7);
            }
            problem.step(nadam);
            assertClose(w, problem.values(), "Nadam step " + t);
        }
    }

    /** Keras's nadam_test.py test_single_step and test_correctness_with_golden. */
    @Test
    void matchesKerasGoldenValues() {
        var w = Tensor.of(new double[] {1, 2, 3, 4}, 4).requiringGrad();
        Quadratic.setGradient(w, new double[] {1, 6, 7, 2});
        new Nadam(0.5).apply(List.of(w));
        assertArrayEquals(new double[] {0.4686, 1.4686, 2.4686, 3.4686}, w.toDoubleArray(), 1e-4);

        KerasGolden.run(new Nadam(new Nadam.Config(LearningRateSchedule.constant(0.5), 0.5, 0.67, 1e-5, OptimizerOptions.NONE)),
                AdamTest.ones(), new double[][] {
                    {0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281},
                    {-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717},
                    {-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084},
                    {-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299},
                    {-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454}});
    }
}
