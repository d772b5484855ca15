package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HostMath's float32 loops against java.lang.Math, across the float range and at its edges, in both of its paths:
 * plain loops and {@link VectorMath} (the tests' JVM has the Vector API module: see the parent POM's surefire.argLine).
 */
class HostMathTest {

    private static final boolean DEFAULT_PATH = HostMath.usesVectorApi();

    @AfterEach
    void restorePath() { HostMath.useVectorApi(DEFAULT_PATH); }

    @Test
    void theTestsRunWithTheVectorApi() {
        assertTrue(HostMath.vectorApiUsable(), "surefire's argLine should add the jdk.incubator.vector module");
        assertTrue(DEFAULT_PATH);
        System.setProperty("kiln.vectorApi", "false");
        try {
            assertFalse(HostMath.vectorApiUsable());
        } finally {
            System.clearProperty("kiln.vectorApi");
        }
    }

    /**
     * A JVM that never compiles with C2 keeps the loops off the Vector API and says why: there each vector is a Java
     * object, and W3's training step took 1,003 ms instead of 21. The same child JVM with C2 has nothing in the way.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-XX:TieredStopAtLevel=1", "-Xint", "-XX:TieredStopAtLevel=4"})
    void onlyAJvmThatCompilesWithC2UsesTheVectorApi(String compilerOption) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var process = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", compilerOption, "-cp",
                System.getProperty("java.class.path"), VectorApiObstacle.class.getName()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        String expected = compilerOption.endsWith("=4") ? "none" : "the JVM does not compile with C2";
        assertTrue(output.lines().anyMatch(line -> line.startsWith(expected)), output);
    }

    /**
     * Dropout's factors are SplittableRandom's outputs, two per long, in both paths: the Vector API's eight outputs at a
     * time and the scalar loop, for lengths that end inside a vector and inside a long, at rates from 0 to near 1.
     */
    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void dropoutFactorsAreSplittableRandomsOutputs(boolean vectorApi) {
        HostMath.useVectorApi(vectorApi);
        for (double rate : new double[] {0, 0.1, 0.5, 0.999}) {
            for (int n : new int[] {1, 2, 15, 16, 17, 33, 10_001}) {
                long seed = 42, stream = 7;
                var bits = new java.util.SplittableRandom(new java.util.SplittableRandom(seed ^ stream * DropoutDraw.GAMMA).nextLong());
                float[] expected = new float[n], factors = new float[n];
                float scale = (float) (1 / (1 - rate));
                for (int i = 0; i < n; i += 2) {
                    long draw = bits.nextLong();
                    expected[i] = Integer.toUnsignedLong((int) draw) >= (long) (rate * 0x1p32) ? scale : 0f;
                    if (i + 1 < n) expected[i + 1] = (draw >>> 32) >= (long) (rate * 0x1p32) ? scale : 0f;
                }
                new DropoutDraw(seed, rate).fill(factors, n, stream);
                assertArrayEquals(expected, factors, "rate " + rate + ", " + n + " factors");
            }
        }
    }

    private static final float[] EDGES = {0f, -0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 20f, -20f, 87f, 88f, 89f, 100f, -87f, -88f, -100f,
        -103f, -105f, -1e9f, 1e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    private static float[] values() {
        var random = new java.util.Random(1);
        float[] x = new float[10_000 + EDGES.length];
        for (int i = 0; i < 10_000; i++) x[i] = (random.nextFloat() - 0.5f) * 180;
        System.arraycopy(EDGES, 0, x, 10_000, EDGES.length);
        return x;
    }

    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void expIsWithinAFewUlpsAndFlushesTinyResultsToZero(boolean vectorApi) {
        HostMath.useVectorApi(vectorApi);
        float[] x = values(), y = new float[x.length];
        HostMath.exp(x, y, 0, x.length, new float[x.length]);
        for (int i = 0; i < x.length; i++) {
            double expected = Math.exp(Math.min(x[i], 88));
            if (expected < 0x1p-126) assertTrue(y[i] >= 0 && y[i] <= 0x1p-126, "exp(" + x[i] + ") = " + y[i]);
            else assertEquals(expected, y[i], expected * 3e-7, "exp(" + x[i] + ")");
        }
        float[] masked = new float[51];      // a masked score, NaN and x86's NaN (sign set), in whole vectors and in the tail
        for (int i = 0; i < masked.length; i += 3) {
            masked[i] = -1e9f;
            masked[i + 1] = Float.NaN;
            masked[i + 2] = Float.intBitsToFloat(0xFFC00000);
        }
        float[] sigmoid = masked.clone();
        HostMath.exp(masked, masked, 0, masked.length, new float[masked.length]);
        HostMath.sigmoid(sigmoid, sigmoid, 0, sigmoid.length, new float[sigmoid.length]);
        for (int i = 0; i < masked.length; i += 3) {
            assertEquals(0f, masked[i], "exp(-1e9) at " + i);
            assertTrue(Float.isNaN(masked[i + 1]) && Float.isNaN(masked[i + 2]), java.util.Arrays.toString(masked));
            assertTrue(Float.isNaN(sigmoid[i + 1]) && Float.isNaN(sigmoid[i + 2]), java.util.Arrays.toString(sigmoid));
        }
    }

    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void sigmoidAndTanhAreWithinTwoTenMillionthsEverywhere(boolean vectorApi) {
        HostMath.useVectorApi(vectorApi);
        float[] x = values(), sigmoid = new float[x.length], tanh = new float[x.length], scratch = new float[x.length];
        HostMath.sigmoid(x, sigmoid, 0, x.length, scratch);
        HostMath.tanh(x, tanh, 0, x.length, scratch);
        for (int i = 0; i < x.length; i++) {
            assertEquals(1 / (1 + Math.exp(-x[i])), sigmoid[i], 2e-7, "sigmoid(" + x[i] + ")");
            assertEquals(Math.tanh(x[i]), tanh[i], 2e-7, "tanh(" + x[i] + ")");
        }
    }

    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void softmaxRowsSumToOneAndMatchTheFormula(boolean vectorApi) {
        HostMath.useVectorApi(vectorApi);
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

        float[] longWithNaN = new float[20];                             // a row longer than a vector, NaN in its tail
        longWithNaN[18] = Float.NaN;
        HostMath.softmaxRows(longWithNaN, 20, 20, new float[20]);
        for (float p : longWithNaN) assertTrue(Float.isNaN(p), java.util.Arrays.toString(longWithNaN));

        for (int row : new int[] {16, 37, 100}) {         // a whole vector; longer rows with a tail; one masked position each
            float[] rows = values(), expected = new float[rows.length];
            int n = rows.length / row * row;
            for (int start = 0; start < n; start += row) {
                rows[start + start / row % row] = -1e9f;
                double max = Double.NEGATIVE_INFINITY, total = 0;
                for (int i = start; i < start + row; i++) max = Math.max(max, rows[i]);
                for (int i = start; i < start + row; i++) total += Math.exp(rows[i] - max);
                for (int i = start; i < start + row; i++) expected[i] = (float) (Math.exp(rows[i] - max) / total);
            }
            HostMath.softmaxRows(rows, n, row, new float[n]);
            for (int i = 0; i < n; i++) assertEquals(expected[i], rows[i], 3e-7 * expected[i] + 1e-12, "rows of " + row + ": softmax at " + i);
        }
    }

    /** The reductions and the layer norm's row over rows longer than a vector, at an offset, against double sums. */
    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void reductionsAndNormalizedRowsMatchDouble(boolean vectorApi) {
        HostMath.useVectorApi(vectorApi);
        float[] a = values(), b = values(), gamma = new float[53], beta = new float[53];
        for (int i = 0; i < b.length; i++) b[i] = b[i] / 90 - a[i] / 180;
        for (int c = 0; c < gamma.length; c++) {
            gamma[c] = 0.5f + c / 53f;
            beta[c] = c / 10f - 2;
        }
        for (int width : new int[] {3, 16, 32, 53}) {
            int from = 5, to = from + width;
            double sum = 0, dot = 0, squares = 0, max = Double.NEGATIVE_INFINITY;
            for (int i = from; i < to; i++) {
                sum += a[i];
                dot += (double) a[i] * b[i];
                max = Math.max(max, a[i]);
            }
            float mean = (float) (sum / width);
            for (int i = from; i < to; i++) squares += (a[i] - mean) * (double) (a[i] - mean);
            assertEquals(sum, HostMath.sum(a, from, to), 1e-5 * width * 90, "sum of " + width);
            assertEquals(dot, HostMath.dot(a, b, from, to), 1e-5 * width * 90, "dot of " + width);
            assertEquals(squares, HostMath.squaredDeviations(a, from, to, mean), 1e-6 * squares, "squares of " + width);
            float inverse = (float) (1 / Math.sqrt(squares / width + 1e-3));
            float[] row = a.clone();
            HostMath.normalizeRow(row, from, width, mean, inverse, gamma, beta);
            for (int c = 0; c < width; c++) {
                assertEquals((a[from + c] - mean) * (double) inverse * gamma[c] + beta[c], row[from + c], 2e-6 * (1 + Math.abs(row[from + c])), "row of " + width);
            }
            assertEquals(a[from - 1], row[from - 1]);
            assertEquals(a[to], row[to]);
        }
    }

    /** Layer normalization's values and gradients in float32 against float64, over rows of 37 (vectors and a tail). */
    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void float32LayerNormalizationMatchesFloat64(boolean vectorApi) {
        HostMath.useVectorApi(vectorApi);
        Kiln.seed(9);
        var x = Tensor.uniform(Shape.of(4, 3, 37), -3, 3, DType.FLOAT64);
        var gamma = Tensor.uniform(Shape.of(37), 0.5, 1.5, DType.FLOAT64);
        var beta = Tensor.uniform(Shape.of(37), -1, 1, DType.FLOAT64);
        var weights = Tensor.uniform(x.shape(), -1, 1, DType.FLOAT64);
        for (boolean withGamma : new boolean[] {true, false}) {
            var x64 = x.requiringGrad();
            var x32 = x.cast(DType.FLOAT32).requiringGrad();
            var g64 = withGamma ? gamma.requiringGrad() : null;
            var g32 = withGamma ? gamma.cast(DType.FLOAT32).requiringGrad() : null;
            var b64 = beta.requiringGrad();
            var b32 = beta.cast(DType.FLOAT32).requiringGrad();
            Tensor y64 = NN.layerNormalization(x64, g64, b64, 1e-3), y32 = NN.layerNormalization(x32, g32, b32, 1e-3);
            assertArrayEquals(y64.toDoubleArray(), y32.toDoubleArray(), 2e-6);
            y64.mul(weights).sum().backward();
            y32.mul(weights.cast(DType.FLOAT32)).sum().backward();
            assertArrayEquals(x64.grad().toDoubleArray(), x32.grad().toDoubleArray(), 1e-5, "dx");
            assertArrayEquals(b64.grad().toDoubleArray(), b32.grad().toDoubleArray(), 1e-5, "dBeta");
            if (withGamma) assertArrayEquals(g64.grad().toDoubleArray(), g32.grad().toDoubleArray(), 1e-5, "dGamma");
        }
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
