package dev.kiln.benchmarks.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The measurement protocol's settings, the same for every framework. The runner hands them to each child
 * process as the flags {@link #toArgs()} writes, and benchmarks/pytorch/e2e.py reads the same flags.
 *
 * @param threads native threads (OMP_NUM_THREADS, and each framework's own setting)
 * @param warmupSteps training steps (and inference batches) before timing starts, at least
 * @param warmupSeconds seconds of untimed steps before timing starts, at least: the JVM frameworks compile their
 *        hot paths during the first hundreds of steps, which 10 steps do not cover
 * @param chunks timed chunks, for training and for inference; the reported rate is their median
 * @param chunkSteps training steps per timed chunk
 * @param inferenceBatches inference batches per timed chunk
 * @param inferenceBatchSize samples per inference batch
 * @param epochs epochs over the real IMDB training set when accuracy is measured
 * @param accuracy whether to train a fresh model on the real IMDB data and report its test accuracy
 * @param seed seeds every framework's initialization and dropout
 */
public record Options(int threads, int warmupSteps, int warmupSeconds, int chunks, int chunkSteps, int inferenceBatches,
                      int inferenceBatchSize, int epochs, boolean accuracy, long seed) {

    /** The flags that carry these options, with their defaults. */
    static final Map<String, String> DEFAULTS = Map.of(
            "--threads", "2", "--warmup", "10", "--warmup-seconds", "5", "--chunks", "5", "--steps", "20", "--infer-steps", "10",
            "--infer-batch", "256", "--epochs", "2", "--seed", "1");

    public Options {
        positive("threads", threads);
        positive("chunks", chunks);
        positive("chunkSteps", chunkSteps);
        positive("inferenceBatches", inferenceBatches);
        positive("inferenceBatchSize", inferenceBatchSize);
        positive("epochs", epochs);
        if (warmupSteps < 0 || warmupSeconds < 0) {
            throw new IllegalArgumentException("warmupSteps and warmupSeconds must not be negative. Received: warmupSteps="
                    + warmupSteps + ", warmupSeconds=" + warmupSeconds);
        }
    }

    public static Options defaults() { return from(Map.of()); }

    /** Reads the options from parsed flags; a flag that is absent takes its default. */
    static Options from(Map<String, String> flags) {
        return new Options(number(flags, "--threads"), number(flags, "--warmup"), number(flags, "--warmup-seconds"),
                number(flags, "--chunks"),
                number(flags, "--steps"), number(flags, "--infer-steps"), number(flags, "--infer-batch"),
                number(flags, "--epochs"), flags.containsKey("--accuracy"), number(flags, "--seed"));
    }

    /** The flags that give a child process these options. */
    List<String> toArgs() {
        var args = new ArrayList<>(List.of(
                "--threads", "" + threads, "--warmup", "" + warmupSteps, "--warmup-seconds", "" + warmupSeconds, "--chunks", "" + chunks,
                "--steps", "" + chunkSteps, "--infer-steps", "" + inferenceBatches,
                "--infer-batch", "" + inferenceBatchSize, "--epochs", "" + epochs, "--seed", "" + seed));
        if (accuracy) args.add("--accuracy");
        return args;
    }

    private static int number(Map<String, String> flags, String flag) {
        String value = flags.getOrDefault(flag, DEFAULTS.get(flag));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects an integer. Received: " + value, e);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive. Received: " + name + "=" + value);
    }
}
