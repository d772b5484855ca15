package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Training-style steps must not grow off-heap memory: each step runs in a {@link MemoryScope}, which frees every
 * op output and intermediate gradient when it closes, while parameters and their gradient buffers live on.
 */
class MemoryTest {

    private static final int STEPS = 5_000;
    private static final long BOUND = 8L << 20;

    @Test
    void fiveThousandTrainingStepsKeepResidentMemoryFlat() throws Exception {
        long[] result = runProbe(STEPS, false);
        long growth = result[1] - result[0];
        assertTrue(result[2] >= 15, "each step's scope should free its temporaries; it freed " + result[2]);
        assertTrue(growth < BOUND, "resident memory grew by " + growth + " bytes over " + STEPS + " steps after warm-up");
    }

    @Test
    void theMeasureSeesALeakOfFourArraysPerStep() throws Exception {
        long[] result = runProbe(3_000, true);                    // 3,000 steps leaking 64 KiB ≈ 188 MiB
        assertTrue(result[1] - result[0] > 3 * BOUND, "a deliberate leak should show; growth was " + (result[1] - result[0]));
    }

    /**
     * Runs {@link MemoryProbe} in a JVM with a 64 MiB pre-touched heap; returns {warm, end, released}. No JavaCPP
     * property is passed: the leak run also checks that Kiln turns off JavaCPP's resident-size cap (four times the
     * heap), which would otherwise stop it.
     */
    private static long[] runProbe(int steps, boolean leak) throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new java.util.ArrayList<>(List.of(java, "-Xms64m", "-Xmx64m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-cp", classpath, MemoryProbe.class.getName(), Integer.toString(steps)));
        if (leak) command.add("leak");
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        builder.environment().put("OPENBLAS_THREAD_TIMEOUT", "20");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        Matcher m = Pattern.compile("warm=(\\d+) end=(\\d+) released=(\\d+)").matcher(output);
        assertTrue(m.find(), output);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    @Test
    void keepingAViewOfAScopedArrayCopiesIt() {
        Tensor kept;
        try (var scope = MemoryScope.open()) {
            var product = Tensor.ones(Shape.of(2, 3), DType.FLOAT32).mul(2.0);
            kept = scope.keep(product.reshape(3, 2));         // a view of an array the scope frees
        }
        assertEquals(12.0, kept.sum().item(), 0);
    }

    @Test
    void closedScopeFreesOpOutputsButNotParametersOrTheirGradients() {
        var w = Tensor.parameter(Shape.of(3, 2), Initializer.ones(), DType.FLOAT32);
        Tensor y;
        try (var scope = MemoryScope.open()) {
            y = w.mul(2.0).sum();
            y.backward();
        }
        assertTrue(y.array().wasClosed());
        assertEquals(6.0, w.array().sumNumber().doubleValue(), 0);
        assertEquals(2.0, w.grad().toDoubleArray()[0], 1e-6);
    }

    @Test
    void keptTensorsSurviveTheirScope() {
        Tensor kept;
        try (var outer = MemoryScope.open()) {
            try (var inner = MemoryScope.open()) {
                kept = inner.keep(Tensor.ones(Shape.of(2), DType.FLOAT32).mul(3.0));
            }
            assertEquals(6.0, kept.sum().item(), 0);
        }
        assertTrue(kept.array().wasClosed(), "the outer scope frees what the inner one handed over");
    }
}
