package dev.kiln.benchmarks.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's own logic: protocol accounting, data files, the IMDB loader, result lines and the table. */
class EndToEndSmokeTest {

    /** A line exactly as benchmarks/pytorch/e2e.py prints it (json.dumps, None as null). */
    static final String PYTORCH_LINE = "E2E-RESULT {\"framework\": \"pytorch\", \"version\": \"torch 1.13.0a0,"
            + " openblas-openmp/libopenblasp-r0.3.21.so\", \"workload\": \"W2-128\", \"trainSamplesPerSecond\":"
            + " 1276.5, \"inferenceSamplesPerSecond\": 5120.25, \"peakRssMib\": 335.2109375, \"accuracy\": null,"
            + " \"trainChunks\": [1250.0, 1276.5, 1300.0], \"inferenceChunks\": [5000.0, 5120.25, 5200.0]}";

    @TempDir
    Path directory;

    @Test
    void parsesThePyTorchResultLineAmongOtherOutput() {
        var result = Result.parse("loading torch\n" + PYTORCH_LINE + "\n").orElseThrow();
        assertEquals("pytorch", result.framework());
        assertEquals("W2-128", result.workload());
        assertEquals(1276.5, result.trainSamplesPerSecond());
        assertEquals(5120.25, result.inferenceSamplesPerSecond());
        assertEquals(335.2109375, result.peakRssMib());
        assertNull(result.accuracy());
        assertArrayEquals(new double[] {1250.0, 1276.5, 1300.0}, result.trainChunks());
        assertTrue(Result.parse("no result here\n").isEmpty());
    }

    @Test
    void resultLinesRoundTrip() {
        var result = new Result("dl4j", "deeplearning4j-nn 1.0.0-M2.1", "W1", 1053, 9000, 512, 0.85,
                new double[] {1000, 1053}, new double[] {9000});
        var parsed = Result.parse(result.toLine()).orElseThrow();
        assertEquals(0.85, parsed.accuracy());
        assertEquals(result.version(), parsed.version());
        assertArrayEquals(result.trainChunks(), parsed.trainChunks());
    }

    @Test
    void protocolRunsTheStepsItTimesAndScoresAccuracy() {
        var session = new CountingSession();
        var options = new Options(1, 3, 0, 2, 4, 5, 8, 2, true, 1);
        var data = new Data(Sequences.synthetic(100, 6, 50, 1), Sequences.synthetic(10, 6, 50, 2),
                Sequences.synthetic(20, 6, 50, 3), IntStream.range(0, 20).map(i -> i % 10).toArray());
        var result = Protocol.run(new NamedTrainer("fake"), Workload.W1, options, data, () -> session);

        // throughput: 3 warm-up + 2 chunks of 4 steps; accuracy: 2 epochs of ceil(10 / 32) = 1 batch of 10
        assertEquals(3 + 2 * 4 + 2, session.trainSteps);
        assertEquals(List.of(32, 10, 10), session.trainSizes.subList(session.trainSizes.size() - 3, session.trainSizes.size()));
        // inference: 2 warm-up + 2 chunks of 5 batches; accuracy: ceil(20 / 8) = 3 batches
        assertEquals(Protocol.INFERENCE_WARMUP + 2 * 5 + 3, session.predictions);
        assertEquals(1.0, result.accuracy());  // the session predicts every label right
        assertEquals(2, result.trainChunks().length);
        assertEquals(Protocol.median(result.trainChunks()), result.trainSamplesPerSecond());
        assertTrue(result.peakRssMib() > 0);
        assertEquals("fake", result.framework());
    }

    @Test
    void protocolNeedsOneFullBatch() {
        var data = new Data(Sequences.synthetic(10, 6, 50, 1), null, null, null);
        var error = assertThrows(IllegalArgumentException.class, () -> Protocol.run(new NamedTrainer("fake"),
                Workload.W1, Options.defaults(), data, CountingSession::new));
        assertEquals("The data set holds 10 sequences, fewer than one batch of 32", error.getMessage());
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Protocol.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Protocol.median(new double[] {4, 1, 3, 2}));
    }

    @Test
    void imdbRowsFollowKerasLoadDataThenPostPadding() throws IOException {
        Path file = gzip("keras.tsv.gz", "1\t1 2 9996 9997\n0\t5 6 7 8 9 10 11 12\n");
        var imdb = ImdbSequences.load(file, 10_000, 6);
        assertArrayEquals(new int[] {1, 0}, imdb.labels());
        // start 1, rank + 3, rank 9997 + 3 = 10000 >= numWords → OOV 2, then 0 padding
        assertArrayEquals(new int[] {1, 4, 5, 9999, 2, 0}, imdb.tokens(new int[] {0}));
        // truncated after the start token and the first five words
        assertArrayEquals(new int[] {1, 8, 9, 10, 11, 12}, imdb.tokens(new int[] {1}));
    }

    @Test
    void dataFilesRoundTripWithEachEpochAPermutation() throws IOException {
        Path imdb = Files.createDirectory(directory.resolve("imdb"));
        Files.copy(gzip("train.gz", "1\t3 4\n0\t5\n1\t6 7 8\n"), imdb.resolve("keras_train.tsv.gz"));
        Files.copy(gzip("test.gz", "0\t9\n1\t10\n"), imdb.resolve("keras_test.tsv.gz"));
        Path out = Files.createDirectory(directory.resolve("out"));
        var options = new Options(1, 0, 0, 1, 1, 1, 1, 2, true, 7);
        Data.write(out, options, imdb);

        var data = Data.read(out, true);
        assertEquals(Data.SYNTHETIC_COUNT, data.synthetic().count());
        assertTrue(Arrays.stream(data.synthetic().tokens()).allMatch(t -> t >= 1 && t < Workload.VOCABULARY_SIZE));
        assertArrayEquals(Sequences.synthetic(Data.SYNTHETIC_COUNT, 100, 10_000, 7).tokens(), data.synthetic().tokens());
        assertArrayEquals(new int[] {1, 6, 7, 0}, Arrays.copyOf(data.imdbTrain().tokens(), 4));
        assertArrayEquals(new int[] {0, 1}, data.imdbTest().labels());
        for (int epoch = 0; epoch < 2; epoch++) {
            int[] order = data.epochOrder(epoch).clone();
            Arrays.sort(order);
            assertArrayEquals(new int[] {0, 1, 2}, order);
        }
        assertNull(Data.read(out, false).imdbTrain());
    }

    @Test
    void realImdbFileLoadsAsKeras() throws IOException {
        Path file = Path.of(System.getProperty("kiln.shared.data", "../shared/data"), "imdb", "keras_train.tsv.gz");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(file), "no IMDB data at " + file);
        var train = ImdbSequences.load(file, 10_000, 100);
        assertEquals(25_000, train.count());
        // x_train[0] of keras.datasets.imdb.load_data() starts so; y_train[:4] = 1 0 0 1
        assertArrayEquals(new int[] {1, 14, 22, 16, 43, 530, 973, 1622}, Arrays.copyOf(train.tokens(), 8));
        assertArrayEquals(new int[] {1, 0, 0, 1}, Arrays.copyOf(train.labels(), 4));
    }

    @Test
    void tableShowsKilnColumnsAndRatiosOnlyWhenKilnRan() {
        var peers = List.of(run("dl4j", 1000, 4000), run("pytorch", 4000, 16000));
        String without = Table.markdown(List.of(Workload.W1), List.of("dl4j", "pytorch"), peers, false);
        assertTrue(without.startsWith("| workload | train/s dl4j | train/s pytorch | infer/s dl4j |"), without);
        assertTrue(without.contains("| W1 | 1,000 | 4,000 | 4,000 | 16,000 | 512 | 512 |"), without);
        assertFalse(without.contains("kiln"), without);

        var all = new java.util.ArrayList<>(peers);
        all.add(run("kiln", 3000, 8000));
        String with = Table.markdown(List.of(Workload.W1), List.of("kiln", "dl4j", "pytorch"), all, false);
        assertTrue(with.contains("| kiln/dl4j train | kiln/pytorch train | kiln/dl4j infer | kiln/pytorch infer |"), with);
        assertTrue(with.contains("| 3.00× | 0.75× | 2.00× | 0.50× |"), with);
    }

    @Test
    void optionsTravelToChildrenAsFlags() {
        var options = new Options(2, 10, 5, 5, 20, 2, 256, 2, true, 9);
        assertEquals(options, Options.from(EndToEnd.flags(options.toArgs().toArray(String[]::new))));
        assertEquals(Options.defaults(), Options.from(EndToEnd.flags(new String[0])));
        var error = assertThrows(IllegalArgumentException.class, () -> EndToEnd.flags(new String[] {"--thread", "2"}));
        assertTrue(error.getMessage().startsWith("Unknown option --thread"), error.getMessage());
        var zero = assertThrows(IllegalArgumentException.class, () -> new Options(0, 1, 0, 1, 1, 1, 1, 1, false, 1));
        assertEquals("threads must be positive. Received: threads=0", zero.getMessage());
    }

    private static Run run(String framework, double train, double inference) {
        var result = new Result(framework, "v", "W1", train, inference, 512, null, new double[] {train},
                new double[] {inference});
        return new Run(Workload.W1, framework, result, null, 1);
    }

    private Path gzip(String name, String text) throws IOException {
        Path file = directory.resolve(name);
        try (var out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /** Counts calls; its "batch" is the labels, so predicting them back is always right. */
    private static final class CountingSession implements Protocol.Session<int[]> {
        int trainSteps;
        int predictions;
        final List<Integer> trainSizes = new java.util.ArrayList<>();

        @Override
        public int[] batch(int[] tokens, int[] labels, int length) {
            assertEquals(labels.length * length, tokens.length);
            return labels;
        }

        @Override
        public void trainStep(int[] batch) {
            trainSteps++;
            trainSizes.add(batch.length);
        }

        @Override
        public float[] predict(int[] batch) {
            predictions++;
            float[] probabilities = new float[batch.length];
            for (int i = 0; i < batch.length; i++) probabilities[i] = batch[i] == 1 ? 0.9f : 0.1f;
            return probabilities;
        }
    }

    private record NamedTrainer(String framework) implements Trainer {
        @Override public String version() { return "test"; }

        @Override public Result run(Workload workload, Options options, Data data) { throw new UnsupportedOperationException(); }
    }
}
