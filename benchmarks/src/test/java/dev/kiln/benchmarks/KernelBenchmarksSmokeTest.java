package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** Runs every kernel benchmark once, so CI knows they build and run; their numbers are never asserted. */
class KernelBenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        var benchmarks = new KernelBenchmarks();
        benchmarks.setUp();
        int ran = 0;
        for (Method method : KernelBenchmarks.class.getMethods()) {
            if (!method.isAnnotationPresent(Benchmark.class)) continue;
            double result = (double) method.invoke(benchmarks);
            assertTrue(Double.isFinite(result), method.getName() + " returned " + result);
            ran++;
        }
        assertTrue(ran >= 6, "expected the kernel benchmarks, ran " + ran);
    }
}
