package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the loader against the real data in shared/data/imdb (located through the {@code kiln.shared.data}
 * system property the build sets); skipped where that copy is absent. Every one of the 50,000 sequences Kiln
 * builds from the raw text and the word index must equal Keras's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImdbRealDataTest {

    private Path imdb;
    private Imdb.RawData raw;
    private Map<String, Integer> wordIndex;

    @BeforeAll
    void load(@TempDir Path cache) {
        String shared = System.getProperty("kiln.shared.data");
        assumeTrue(shared != null && Files.isRegularFile(Path.of(shared, "imdb", "keras_train.tsv.gz")),
                "the real IMDB copy (kiln.shared.data/imdb) is not on this machine");
        imdb = Path.of(shared, "imdb");
        var none = new ImdbLocator.Remote(URI.create("http://127.0.0.1:9/none"), "0");
        var locator = new ImdbLocator(imdb, List.of(), cache, false, none, none, new PrintStream(OutputStream.nullOutputStream()));
        raw = Imdb.reviews(locator, 113);
        wordIndex = locator.readWordIndex();
    }

    private List<String> gzipLines(String name) throws IOException {
        try (var reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(imdb.resolve(name))),
                StandardCharsets.UTF_8))) {
            return reader.lines().toList();
        }
    }

    @Test
    void numpyShuffleOfTheStorageOrderGivesTheTsvRowOrder() throws IOException {
        List<String> trainFiles = gzipLines("train.files.txt.gz");
        List<String> testFiles = gzipLines("test.files.txt.gz");
        var rng = new NumpyRandomState(113);
        assertEquals(trainFiles, shuffled(storageOrder(trainFiles), rng));
        assertEquals(testFiles, shuffled(storageOrder(testFiles), rng), "test continues the same generator");
    }

    private static List<String> storageOrder(List<String> files) {
        List<String> pos = new ArrayList<>(files.stream().filter(f -> f.contains("/pos/")).sorted().toList());
        pos.addAll(files.stream().filter(f -> f.contains("/neg/")).sorted().toList());
        return pos;
    }

    private static List<String> shuffled(List<String> storage, NumpyRandomState rng) {
        return Arrays.stream(rng.permutation(storage.size())).mapToObj(storage::get).toList();
    }

    @Test
    void reviewsComeInKerasOrderWithBalancedLabels() throws IOException {
        assertEquals(25_000, raw.train().size());
        assertEquals(25_000, raw.test().size());
        assertEquals(12_500, Arrays.stream(raw.train().labels()).sum());
        assertEquals(12_500, Arrays.stream(raw.test().labels()).sum());
        assertEquals("train/pos/576_10.txt", raw.train().files().get(0));
        assertTrue(raw.train().texts().get(0).startsWith("this film was just brilliant,casting,location scenery,story,direction"));
        assertEquals(gzipLines("train.files.txt.gz"), raw.train().files());
        assertEquals(gzipLines("test.files.txt.gz"), raw.test().files());
        int[] first20 = Arrays.copyOf(raw.train().labels(), 20);
        assertArrayEquals(new int[] {1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1}, first20);
    }

    @Test
    void sequencesFromRawTextEqualKerasForEveryReview() throws IOException {
        assertEquals(88_584, wordIndex.size());
        var encoded = Imdb.encode(raw, wordIndex, Imdb.Options.defaults().withNumWords(100_000));
        checkAgainstKeras(encoded.train(), gzipLines("keras_train.tsv.gz"));
        checkAgainstKeras(encoded.test(), gzipLines("keras_test.tsv.gz"));
        var x = encoded.train().sequences();
        assertArrayEquals(new int[] {1, 14, 22, 16, 43, 530, 973, 1622}, Arrays.copyOf(x.get(0), 8));
        assertEquals(218, x.get(0).length);
        assertEquals(189, x.get(1).length);
        assertEquals(2494, x.stream().mapToInt(s -> s.length).max().orElseThrow());
        assertEquals(11, x.stream().mapToInt(s -> s.length).min().orElseThrow());
        assertEquals(238.71364, x.stream().mapToInt(s -> s.length).average().orElseThrow(), 1e-9);
    }

    /** Each line of keras_*.tsv.gz is {@code label<TAB>ranks}; load_data makes that [1] + [rank + 3]. */
    private static void checkAgainstKeras(Imdb.Encoded ours, List<String> keras) {
        assertEquals(keras.size(), ours.size());
        for (int i = 0; i < keras.size(); i++) {
            String line = keras.get(i);
            int tab = line.indexOf('\t');
            assertEquals(Integer.parseInt(line.substring(0, tab)), ours.labels()[i], "label of row " + i);
            String[] ranks = line.substring(tab + 1).split(" ");
            int[] expected = new int[ranks.length + 1];
            expected[0] = 1;
            for (int k = 0; k < ranks.length; k++) expected[k + 1] = Integer.parseInt(ranks[k]) + 3;
            assertArrayEquals(expected, ours.sequences().get(i), "row " + i);
        }
    }

    @Test
    void loadGivesTheCnnExamplesDatasets() {
        // The public entry point, finding the data through -Dkiln.shared.data as the examples do.
        var split = Imdb.load(10_000, 100, Sequences.Padding.POST, Sequences.Truncating.POST);
        var tokens = split.train().features().get(0);
        assertEquals(Shape.of(25_000, 100), tokens.shape());
        assertEquals(DType.INT32, tokens.dtype());
        assertEquals(Shape.of(25_000, 1), split.test().labels().shape());
        int[] values = tokens.toIntArray();
        assertTrue(Arrays.stream(values).allMatch(v -> v >= 0 && v < 10_000));
        assertArrayEquals(new int[] {1, 14, 22, 16, 43, 530, 973, 1622}, Arrays.copyOf(values, 8));
        float positives = 0;
        for (float y : split.train().labels().toFloatArray()) positives += y;
        assertEquals(12_500, positives);
    }
}
