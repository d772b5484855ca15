package dev.kiln.benchmarks.e2e.kiln;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.benchmarks.e2e.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One tiny round of the step probe: it builds, trains and reports time and memory. */
class StepProbeSmokeTest {

    @Test
    void oneRoundReportsTimeAndMemory() throws Exception {
        PrintStream original = System.out;
        var captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            StepProbe.run(Workload.W1, 2, 1, true, 1);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertTrue(output.matches("(?s).*W1 round 1: [0-9.]+ ms/step, [0-9,]+ samples/s, RSS [0-9]+ MiB.*"), output);
    }
}
