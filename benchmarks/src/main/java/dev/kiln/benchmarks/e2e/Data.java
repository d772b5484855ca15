package dev.kiln.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The data every framework's process reads from the directory the runner wrote: the synthetic set for the
 * throughput runs and, when accuracy is measured, the real IMDB sets with the order of every epoch, so that
 * each framework sees the same samples in the same order.
 *
 * @param synthetic seeded random tokens and labels, {@link #SYNTHETIC_COUNT} sequences
 * @param imdbTrain the 25,000 IMDB training reviews; null unless accuracy is measured
 * @param imdbTest the 25,000 IMDB test reviews; null unless accuracy is measured
 * @param imdbOrder [epochs, imdbTrain.count()]: the training rows of each epoch in visiting order; null likewise
 */
public record Data(Sequences synthetic, Sequences imdbTrain, Sequences imdbTest, int[] imdbOrder) {

    static final int SYNTHETIC_COUNT = 25_000;

    /** The training rows of one epoch, shuffled. */
    public int[] epochOrder(int epoch) {
        int count = imdbTrain.count();
        return Arrays.copyOfRange(imdbOrder, epoch * count, (epoch + 1) * count);
    }

    /** Writes the files {@link #read} reads; the IMDB ones only when {@code options.accuracy()}. */
    static void write(Path directory, Options options, Path imdbDirectory) throws IOException {
        Sequences.synthetic(SYNTHETIC_COUNT, Workload.SEQUENCE_LENGTH, Workload.VOCABULARY_SIZE, options.seed())
                .write(directory, "synthetic");
        if (!options.accuracy()) return;
        var train = ImdbSequences.load(imdbDirectory.resolve("keras_train.tsv.gz"), Workload.VOCABULARY_SIZE,
                Workload.SEQUENCE_LENGTH);
        train.write(directory, "imdb-train");
        ImdbSequences.load(imdbDirectory.resolve("keras_test.tsv.gz"), Workload.VOCABULARY_SIZE,
                Workload.SEQUENCE_LENGTH).write(directory, "imdb-test");
        var random = new SplittableRandom(options.seed());
        int[] order = IntStream.range(0, options.epochs())
                .flatMap(epoch -> Arrays.stream(shuffled(train.count(), random))).toArray();
        Files.write(directory.resolve("imdb-order.i32"), Sequences.littleEndian(order));
    }

    public static Data read(Path directory, boolean accuracy) throws IOException {
        var synthetic = Sequences.read(directory, "synthetic", Workload.SEQUENCE_LENGTH);
        if (!accuracy) return new Data(synthetic, null, null, null);
        return new Data(synthetic, Sequences.read(directory, "imdb-train", Workload.SEQUENCE_LENGTH),
                Sequences.read(directory, "imdb-test", Workload.SEQUENCE_LENGTH),
                Sequences.readInts(directory.resolve("imdb-order.i32")));
    }

    /** A Fisher-Yates permutation of 0..count-1. */
    private static int[] shuffled(int count, SplittableRandom random) {
        int[] rows = IntStream.range(0, count).toArray();
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = rows[i];
            rows[i] = rows[j];
            rows[j] = swap;
        }
        return rows;
    }
}
