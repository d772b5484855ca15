package dev.kiln.benchmarks.e2e.kiln;

import dev.kiln.benchmarks.e2e.Machine;
import dev.kiln.benchmarks.e2e.Workload;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Tensor;
import dev.kiln.models.Model;
import java.util.Locale;
import java.util.Random;

/**
 * Kiln's training step alone, for profiling and memory checks: one workload's model trains on one fixed synthetic
 * batch, and each round of steps prints its time per step and the resident memory after it.
 *
 * <pre>java ... dev.kiln.benchmarks.e2e.kiln.StepProbe W3 [steps per round, 250] [rounds, 6] [gc] [infer]</pre>
 * With {@code gc}, a full collection runs after each round (before the memory is read), which tells arrays that
 * only the garbage collector frees from memory that stays reachable. With {@code infer}, each step is instead one
 * prediction of a batch of 256, the runner's inference batch. 100 untimed steps come first.
 */
public final class StepProbe {

    private static final int INFERENCE_BATCH = 256;

    private StepProbe() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("Usage: StepProbe W1|W2-32|W2-128|W3 [steps per round] [rounds] [gc] [infer]");
            System.exit(2);
        }
        Workload workload = Workload.of(args[0]);
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 250;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        var flags = java.util.Arrays.asList(args).subList(Math.min(3, args.length), args.length);
        run(workload, steps, rounds, flags.contains("gc"), flags.contains("infer"), 100);
    }

    static void run(Workload workload, int steps, int rounds, boolean collect, boolean infer, int warmup)
            throws InterruptedException {
        Kiln.start();
        Kiln.seed(1);
        Model model = KilnTrainer.build(workload);
        int batch = infer ? INFERENCE_BATCH : workload.batchSize(), length = Workload.SEQUENCE_LENGTH;
        var random = new Random(1);
        int[] tokens = new int[batch * length];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 1 + random.nextInt(Workload.VOCABULARY_SIZE - 1);
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.nextInt(2);
        Tensor x = Tensor.of(tokens, batch, length), y = Tensor.of(labels, batch, 1);
        Runnable step = infer ? () -> predict(model, x) : () -> model.trainOnBatch(x, y);
        for (int i = 0; i < warmup; i++) step.run();
        for (int round = 1; round <= rounds; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) step.run();
            double ms = (System.nanoTime() - start) / 1e6 / steps;
            if (collect) {
                System.gc();
                Thread.sleep(300);   // JavaCPP's deallocator thread frees what the collection found
            }
            System.out.printf(Locale.ROOT, "%s round %d: %.2f ms/step, %,.0f samples/s, RSS %.0f MiB%n", workload.id(), round, ms,
                    batch * 1000 / ms, Machine.rssMib());
        }
    }

    private static void predict(Model model, Tensor x) {
        try (var scope = MemoryScope.open()) {
            model.predictOnBatch(x);
        }
    }
}
