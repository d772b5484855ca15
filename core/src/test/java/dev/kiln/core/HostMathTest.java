package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** HostMath's float32 loops against java.lang.Math, across the float range and at its edges. */
class HostMathTest {

    private static final float[] EDGES = {0f, -0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 20f, -20f, 87f, 88f, 89f, 100f, -87f, -88f, -100f,
        -103f, -105f, -1e9f, 1e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    private static float[] values() {
        var random = new java.util.Random(1);
        float[] x = new float[10_000 + EDGES.length];
        for (int i = 0; i < 10_000; i++) x[i] = (random.nextFloat() - 0.5f) * 180;
        System.arraycopy(EDGES, 0, x, 10_000, EDGES.length);
        return x;
    }

    @Test
    void expIsWithinAFewUlpsAndFlushesTinyResultsToZero() {
        float[] x = values(), y = new float[x.length];
        HostMath.exp(x, y, 0, x.length, new float[x.length]);
        for (int i = 0; i < x.length; i++) {
            double expected = Math.exp(Math.min(x[i], 88));
            if (expected < 0x1p-126) assertTrue(y[i] >= 0 && y[i] <= 0x1p-126, "exp(" + x[i] + ") = " + y[i]);
            else assertEquals(expected, y[i], expected * 3e-7, "exp(" + x[i] + ")");
        }
        float[] masked = {-1e9f, Float.NaN, Float.intBitsToFloat(0xFFC00000)};   // a masked score, NaN, and x86's NaN (sign set)
        HostMath.exp(masked, masked, 0, 3, new float[3]);
        assertEquals(0f, masked[0]);
        assertTrue(Float.isNaN(masked[1]) && Float.isNaN(masked[2]), java.util.Arrays.toString(masked));
        float[] sigmoid = {Float.NaN, Float.intBitsToFloat(0xFFC00000)};
        HostMath.sigmoid(sigmoid, sigmoid, 0, 2, new float[2]);
        assertTrue(Float.isNaN(sigmoid[0]) && Float.isNaN(sigmoid[1]), java.util.Arrays.toString(sigmoid));
    }

    @Test
    void sigmoidAndTanhAreWithinTwoTenMillionthsEverywhere() {
        float[] x = values(), sigmoid = new float[x.length], tanh = new float[x.length], scratch = new float[x.length];
        HostMath.sigmoid(x, sigmoid, 0, x.length, scratch);
        HostMath.tanh(x, tanh, 0, x.length, scratch);
        for (int i = 0; i < x.length; i++) {
            assertEquals(1 / (1 + Math.exp(-x[i])), sigmoid[i], 2e-7, "sigmoid(" + x[i] + ")");
            assertEquals(Math.tanh(x[i]), tanh[i], 2e-7, "tanh(" + x[i] + ")");
        }
    }

    @Test
    void softmaxRowsSumToOneAndMatchTheFormula() {
        float[] v = {1, 2, 3, -1e9f, 1000, 1000, 5, -5, 0, 0, 0, 0};
        HostMath.softmaxRows(v, v.length, 4, new float[v.length]);
        double e1 = Math.exp(-2), e2 = Math.exp(-1), sum = e1 + e2 + 1;
        assertArrayEquals(new float[] {(float) (e1 / sum), (float) (e2 / sum), (float) (1 / sum), 0}, java.util.Arrays.copyOfRange(v, 0, 4), 1e-7f);
        double big = 1 / (2 + Math.exp(-995) + Math.exp(-1005));
        assertArrayEquals(new float[] {(float) big, (float) big, 0, 0}, java.util.Arrays.copyOfRange(v, 4, 8), 1e-7f);
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, java.util.Arrays.copyOfRange(v, 8, 12), 1e-7f);

        float[] withNaN = {3, Float.NaN, 1, 2};                         // the maximum skips NaN; the row is NaN all the same
        HostMath.softmaxRows(withNaN, 4, 4, new float[4]);
        for (float p : withNaN) assertTrue(Float.isNaN(p), java.util.Arrays.toString(withNaN));
    }

    /** The tensor ops take these loops in float32 on the CPU: the same values and gradients as float64 there. */
    @Test
    void float32TensorOpsMatchFloat64() {
        Kiln.seed(8);
        var x = Tensor.uniform(Shape.of(3, 4, 7), -6, 6, DType.FLOAT64);
        for (var op : java.util.List.<java.util.function.Function<Tensor, Tensor>>of(Tensor::sigmoid, Tensor::tanh, t -> t.softmax(-1))) {
            var x64 = x.requiringGrad();
            var x32 = x.cast(DType.FLOAT32).requiringGrad();
            Tensor y64 = op.apply(x64), y32 = op.apply(x32);
            assertArrayEquals(y64.toDoubleArray(), y32.toDoubleArray(), 1e-6);
            var weights = Tensor.uniform(y64.shape(), -1, 1, DType.FLOAT64);
            y64.mul(weights).sum().backward();
            y32.mul(weights.cast(DType.FLOAT32)).sum().backward();
            assertArrayEquals(x64.grad().toDoubleArray(), x32.grad().toDoubleArray(), 1e-5);
        }
    }
}
