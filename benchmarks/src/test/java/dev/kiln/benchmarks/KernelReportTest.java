package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.benchmarks.KernelReport.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelReportTest {

    @Test
    void productsGetGflopsAndTheirShareOfSgemm() {
        String table = KernelReport.table(List.of(
                new Row("sgemm", "", 50, 2, "ops/s"),                     // 50 · 2.147 GFLOP = 107.4 GFLOP/s
                new Row("sgemmOneThread", "", 25, 1, "ops/s"),            // 53.7 GFLOP/s
                new Row("matmul", "", 200, 10.5, "ops/s"),                // 200 · 0.3146 GFLOP = 62.9 GFLOP/s
                new Row("embedding", "", 4321.5, 100, "ops/s"),
                new Row("trainStep:samples", "workload=W1", 12_345, 678, "ops/s")));
        assertEquals("""
                | benchmark | parameters | rate | GFLOP/s | share of sgemm | share of one-thread sgemm |
                | --- | --- | ---: | ---: | ---: | ---: |
                | sgemm |  | 50.00 ± 2.00 ops/s | 107.4 | 100% | 200% |
                | sgemmOneThread |  | 25.00 ± 1.00 ops/s | 53.7 | 50% | 100% |
                | matmul |  | 200 ± 10.50 ops/s | 62.9 | 59% | 117% |
                | embedding |  | 4,322 ± 100 ops/s |  |  |  |
                | trainStep:samples | workload=W1 | 12,345 ± 678 ops/s |  |  |  |
                """, table);
    }

    @Test
    void withoutSgemmTheSharesAreLeftEmpty() {
        assertEquals("""
                | benchmark | parameters | rate | GFLOP/s | share of sgemm | share of one-thread sgemm |
                | --- | --- | ---: | ---: | ---: | ---: |
                | conv1d | batch=32 | 0.500 ± 0.0100 ms/op |  |  |  |
                | dense |  | 1,000 ± 50.00 ops/s | 19.7 |  |  |
                """, KernelReport.table(List.of(new Row("conv1d", "batch=32", 0.5, 0.01, "ms/op"),
                new Row("dense", "", 1000, 50, "ops/s"))));
    }
}
