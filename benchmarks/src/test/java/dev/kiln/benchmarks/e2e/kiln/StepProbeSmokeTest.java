package dev.kiln.benchmarks.e2e.kiln;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.benchmarks.e2e.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One tiny round of the step probe: it builds, trains (or predicts) and reports time and memory. */
class StepProbeSmokeTest {

    @Test
    void oneTrainingRoundReportsTimeAndMemory() throws Exception {
        String output = probe(false);
        assertTrue(output.matches("(?s).*W1 round 1: [0-9.]+ ms/step, [0-9,]+ samples/s, RSS [0-9]+ MiB.*"), output);
    }

    @Test
    void oneInferenceRoundReportsTimeAndMemory() throws Exception {
        String output = probe(true);
        assertTrue(output.matches("(?s).*W1 round 1: [0-9.]+ ms/step, [0-9,]+ samples/s, RSS [0-9]+ MiB.*"), output);
    }

    private static String probe(boolean infer) throws InterruptedException {
        PrintStream original = System.out;
        var captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            StepProbe.run(Workload.W1, 2, 1, true, infer, 1);
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
