package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** Runs every attention benchmark once, so CI knows they build and run; their numbers are never asserted. */
class AttentionBenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        var benchmarks = new AttentionBenchmarks();
        benchmarks.setUp();
        int ran = 0;
        for (Method method : AttentionBenchmarks.class.getMethods()) {
            if (!method.isAnnotationPresent(Benchmark.class)) continue;
            double result = (double) method.invoke(benchmarks);
            assertTrue(Double.isFinite(result), method.getName() + " returned " + result);
            ran++;
        }
        assertEquals(4, ran, "the attention benchmarks");
    }
}
