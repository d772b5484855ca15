package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** Runs every kernel benchmark once, so CI knows they build and run; their numbers are never asserted. */
class KernelBenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        var benchmarks = new KernelBenchmarks();
        benchmarks.setUp();
        for (Method method : benchmarkMethods()) {
            double result = (double) method.invoke(benchmarks);
            assertTrue(Double.isFinite(result), method.getName() + " returned " + result);
        }
        assertEquals(11, benchmarkMethods().size(), "the kernel benchmarks");
    }

    @Test
    void everyFlopCountNamesABenchmark() {
        Set<String> names = benchmarkMethods().stream().map(Method::getName).collect(Collectors.toSet());
        assertTrue(names.containsAll(KernelBenchmarks.FLOP_PER_OPERATION.keySet()),
                "flop counts for " + KernelBenchmarks.FLOP_PER_OPERATION.keySet() + ", benchmarks " + names);
    }

    private static List<Method> benchmarkMethods() {
        return Arrays.stream(KernelBenchmarks.class.getMethods()).filter(m -> m.isAnnotationPresent(Benchmark.class)).toList();
    }
}
