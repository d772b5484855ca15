package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.core.Tensor;
import java.util.List;

/**
 * Keras's test_correctness_with_golden: one step with every gradient 0.01, then steps with gradients
 * 0.1, 0.2, …, 1.0, checking the values before each of them against Keras's printed values (to 5e-4, as Keras).
 */
final class KerasGolden {

    private KerasGolden() {}

    static void run(Optimizer optimizer, Tensor x, double[][] golden) {
        double[] first = new double[10];
        double[] ramp = new double[10];
        for (int i = 0; i < 10; i++) {
            first[i] = 0.01;
            ramp[i] = 0.1 * (i + 1);
        }
        Quadratic.setGradient(x, first);
        optimizer.apply(List.of(x));
        for (int step = 0; step < golden.length; step++) {
            assertArrayEquals(golden[step], x.toDoubleArray(), 5e-4, "Keras golden row " + step);
            Quadratic.setGradient(x, ramp);
            optimizer.apply(List.of(x));
        }
    }
}
