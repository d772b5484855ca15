package dev.kiln.benchmarks;

import dev.kiln.benchmarks.e2e.Sequences;
import dev.kiln.benchmarks.e2e.Workload;
import dev.kiln.benchmarks.e2e.kiln.KilnTrainer;
import dev.kiln.benchmarks.e2e.kiln.KilnTrainer.Batch;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.models.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full training step (forward, loss, backward, Adam update) and one prediction batch of each end-to-end
 * workload of issue 11, the same models the runner in {@code e2e} trains ({@link KilnTrainer#build}), on its
 * synthetic data. JMH reports steps per second and, as the secondary result {@code samples}, samples per second:
 * the figure the runner's table compares with DL4J and PyTorch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn128m", "-XX:GCTimeRatio=4"})
public class TrainingStepBenchmarks {

    /** Training cycles through this many batches, as an epoch would pass over different ones. */
    static final int TRAINING_BATCHES = 16;
    /** The runner's inference batch. */
    static final int PREDICTION_BATCH = 256;

    @Param({"W1", "W2-32", "W2-128", "W3"})
    public String workload;

    private Model model;
    private int batchSize;
    private List<Batch> training;
    private Batch prediction;
    private int next;

    /** Samples processed, which JMH reports per second next to the steps. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Samples {
        public long samples;

        @Setup(Level.Iteration)
        public void reset() { samples = 0; }
    }

    @Setup
    public void setUp() {
        Kiln.start();
        Kiln.seed(1);
        Workload chosen = Workload.of(workload);
        batchSize = chosen.batchSize();
        model = KilnTrainer.build(chosen);
        var data = Sequences.synthetic(TRAINING_BATCHES * batchSize + PREDICTION_BATCH, Workload.SEQUENCE_LENGTH,
                Workload.VOCABULARY_SIZE, 1);
        training = new ArrayList<>(TRAINING_BATCHES);
        for (int b = 0; b < TRAINING_BATCHES; b++) training.add(batch(data, b * batchSize, batchSize));
        prediction = batch(data, TRAINING_BATCHES * batchSize, PREDICTION_BATCH);
    }

    private static Batch batch(Sequences data, int first, int count) {
        int[] rows = IntStream.range(first, first + count).toArray();
        return Batch.of(data.tokens(rows), data.labels(rows), data.length());
    }

    /** One optimizer step on the next training batch; returns its loss so JMH keeps the work. */
    @Benchmark
    public double trainStep(Samples counter) {
        Batch batch = training.get(next);
        next = (next + 1) % TRAINING_BATCHES;
        counter.samples += batchSize;
        return model.trainOnBatch(batch.tokens(), batch.labels()).get("loss");
    }

    /** One prediction of a batch of 256 in inference mode; returns the first probability. */
    @Benchmark
    public double predictBatch(Samples counter) {
        try (var scope = MemoryScope.open()) {
            counter.samples += PREDICTION_BATCH;
            return model.predictOnBatch(prediction.tokens()).toFloatArray()[0];
        }
    }
}
