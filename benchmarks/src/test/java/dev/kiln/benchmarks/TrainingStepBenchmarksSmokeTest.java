package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.benchmarks.e2e.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One training step and one prediction batch of each workload, so CI knows they build and run; no timing. */
class TrainingStepBenchmarksSmokeTest {

    @ParameterizedTest
    @ValueSource(strings = {"W1", "W2-32", "W2-128", "W3"})
    void trainsAndPredictsOnce(String workload) {
        var benchmarks = new TrainingStepBenchmarks();
        benchmarks.workload = workload;
        benchmarks.setUp();
        var counter = new TrainingStepBenchmarks.Samples();
        double loss = benchmarks.trainStep(counter);
        assertTrue(loss > 0 && Double.isFinite(loss), "loss " + loss);
        assertEquals(Workload.of(workload).batchSize(), counter.samples);
        double probability = benchmarks.predictBatch(counter);
        assertTrue(probability > 0 && probability < 1, "probability " + probability);
        assertEquals(Workload.of(workload).batchSize() + TrainingStepBenchmarks.PREDICTION_BATCH, counter.samples);
    }
}
