package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finite-difference gradient checks in float64, for every op and layer test in Kiln.
 *
 * <p>For a function f of some tensors, it draws a fixed random weighting G of f's output and compares the
 * analytic gradient of L = Σ G·f(x) with central differences (L(x + ε) − L(x − ε)) / 2ε, element by element.
 * The score is max|analytic − numeric| / max(max|numeric|, 1e-3); it must stay below the tolerance (1e-6 default).
 */
public final class GradientCheck {

    public static final double EPSILON = 1e-6;
    public static final double TOLERANCE = 1e-6;

    private GradientCheck() {}

    /** Checks the gradients of {@code f} with respect to each tensor in {@code inputs} (float64 leaves requiring grad). */
    public static void check(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        check(TOLERANCE, f, inputs);
    }

    public static void check(double tolerance, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        List<Tensor> args = List.of(inputs);
        for (Tensor input : inputs) {
            if (input.dtype() != DType.FLOAT64) throw new IllegalArgumentException("Gradient checks run in float64. Received " + input.dtype());
        }
        Tensor output = f.apply(args);
        Kiln.seed(12345);
        Tensor weighting = Tensor.normal(output.shape(), DType.FLOAT64);
        for (Tensor input : inputs) input.zeroGrad();
        Tensor loss = output.mul(weighting).sum();
        loss.backward();
        for (int i = 0; i < inputs.length; i++) {
            Tensor input = inputs[i];
            if (!input.requiresGrad()) continue;
            assertNotNull(input.grad(), "input " + i + " " + input.shape() + " received no gradient");
            double[] analytic = input.grad().toDoubleArray();
            double[] numeric = numericGradient(f, args, weighting, input);
            double maxDiff = 0;
            double maxNumeric = 1e-3;
            for (int k = 0; k < numeric.length; k++) {
                maxDiff = Math.max(maxDiff, Math.abs(analytic[k] - numeric[k]));
                maxNumeric = Math.max(maxNumeric, Math.abs(numeric[k]));
            }
            double relativeError = maxDiff / maxNumeric;
            assertTrue(relativeError < tolerance, "gradient of input " + i + " " + input.shape() + ": relative error "
                    + relativeError + " exceeds " + tolerance);
        }
    }

    private static double[] numericGradient(Function<List<Tensor>, Tensor> f, List<Tensor> args, Tensor weighting, Tensor input) {
        INDArray values = input.array();
        long n = values.length();
        double[] numeric = new double[(int) n];
        try (var ignored = Tensor.noGrad()) {
            for (long k = 0; k < n; k++) {
                double original = values.getDouble(k);
                values.putScalar(k, original + EPSILON);
                double plus = f.apply(args).mul(weighting).sum().item();
                values.putScalar(k, original - EPSILON);
                double minus = f.apply(args).mul(weighting).sum().item();
                values.putScalar(k, original);
                numeric[(int) k] = (plus - minus) / (2 * EPSILON);
            }
        }
        return numeric;
    }

    /** A float64 leaf requiring a gradient, with values drawn uniformly from [-1, 1). */
    public static Tensor random(long... shape) {
        return Tensor.uniform(Shape.of(shape), -1, 1, DType.FLOAT64).requiringGrad();
    }
}
