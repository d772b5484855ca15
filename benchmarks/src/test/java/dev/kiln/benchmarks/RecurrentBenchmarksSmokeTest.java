package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** Runs every recurrent benchmark once on a small batch, so CI knows they build and run; numbers are never asserted. */
class RecurrentBenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        var benchmarks = new RecurrentBenchmarks();
        benchmarks.batch = 2;
        benchmarks.setUp();
        int ran = 0;
        for (Method method : RecurrentBenchmarks.class.getMethods()) {
            if (!method.isAnnotationPresent(Benchmark.class)) continue;
            double result = (double) method.invoke(benchmarks);
            assertTrue(Double.isFinite(result), method.getName() + " returned " + result);
            ran++;
        }
        assertTrue(ran >= 7, "expected the recurrent benchmarks, ran " + ran);
    }
}
