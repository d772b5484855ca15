package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IMDB loader on a dozen reviews written by the test as a folder, a tar.gz and a TSV copy. */
class ImdbTest {

    /** aclImdb path → text. File names sort as strings: 0_9, 10_10, 1_7 (not numerically). */
    private static final Map<String, String> REVIEWS = new LinkedHashMap<>();
    static {
        REVIEWS.put("train/pos/0_9.txt", "The movie was GREAT!<br /><br />It's fun.");   // 1 2 4 5 8 8 7 12
        REVIEWS.put("train/pos/10_10.txt", "A great, great film.");                      // 3 5 5 9
        REVIEWS.put("train/pos/1_7.txt", "Fun\tfilm; not bad");                          // 12 9 10 6
        REVIEWS.put("train/neg/0_2.txt", "The plot was bad.");                           // 1 11 4 6
        REVIEWS.put("train/neg/11_1.txt", "Bad bad BAD movie");                          // 6 6 6 2
        REVIEWS.put("train/neg/2_3.txt", "Not fun, not great: zzz.");                    // 10 12 10 5 (zzz unknown)
        REVIEWS.put("test/pos/0_8.txt", "Great movie.");                                 // 5 2
        REVIEWS.put("test/pos/1_10.txt", "Unknownword film");                            // 9
        REVIEWS.put("test/pos/2_7.txt", "fun fun fun");                                  // 12 12 12
        REVIEWS.put("test/neg/0_1.txt", "Bad film, bad plot.");                          // 6 9 6 11
        REVIEWS.put("test/neg/1_4.txt", "Not great.");                                   // 10 5
        REVIEWS.put("test/neg/2_2.txt", "the movie was not fun");                        // 1 2 4 10 12
    }

    private static final String WORD_INDEX_JSON = "{\"the\": 1, \"movie\": 2, \"a\": 3, \"was\": 4, \"great\": 5, \"bad\": 6,"
            + " \"it's\": 7, \"br\": 8, \"film\": 9, \"not\": 10, \"plot\": 11, \"fun\": 12}";

    /** Keras's order for seed 113, from NumPy: RandomState(113) shuffles arange(6) to [1,0,3,2,4,5], then [5,3,4,1,0,2]. */
    private static final List<String> TRAIN_113 = List.of("train/pos/10_10.txt", "train/pos/0_9.txt", "train/neg/0_2.txt",
            "train/pos/1_7.txt", "train/neg/11_1.txt", "train/neg/2_3.txt");
    private static final List<String> TEST_113 = List.of("test/neg/2_2.txt", "test/neg/0_1.txt", "test/neg/1_4.txt",
            "test/pos/1_10.txt", "test/pos/0_8.txt", "test/pos/2_7.txt");

    @TempDir
    Path tmp;

    private static Path writeFolder(Path parent) throws IOException {
        Path root = parent.resolve("aclImdb");
        for (var e : REVIEWS.entrySet()) {
            Path file = root.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
        }
        Files.writeString(parent.resolve("imdb_word_index.json"), WORD_INDEX_JSON);
        return root;
    }

    /** The archive as the original: entries under aclImdb/, plus files the loader must skip. */
    private static Path writeArchive(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (var tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(file)))) {
            tar.putArchiveEntry(new TarArchiveEntry("aclImdb/"));
            tar.closeArchiveEntry();
            add(tar, "aclImdb/README", "Large Movie Review Dataset v1.0");
            add(tar, "aclImdb/train/unsup/0_0.txt", "Unlabelled, never read.");
            add(tar, "aclImdb/train/pos/._0_9.txt", "macOS resource fork");
            for (var e : REVIEWS.entrySet()) add(tar, "aclImdb/" + e.getKey(), e.getValue());
            add(tar, "aclImdb/test/labeledBow.feat", "0 0:1");
        }
        return file;
    }

    private static void add(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        var entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** The shared copy's layout: rows in Keras's seed-113 order with their file names. */
    private static Path writeTsvCopy(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (var split : List.of(TRAIN_113, TEST_113)) {
            String name = split.get(0).startsWith("train") ? "train" : "test";
            var rows = new StringBuilder();
            var files = new StringBuilder();
            for (String f : split) {
                rows.append(f.contains("/pos/") ? "1" : "0").append('\t').append(REVIEWS.get(f).replace('\t', ' ')).append('\n');
                files.append(f).append('\n');
            }
            gzip(dir.resolve(name + ".tsv.gz"), rows.toString());
            gzip(dir.resolve(name + ".files.txt.gz"), files.toString());
        }
        Files.writeString(dir.resolve("imdb_word_index.json"), WORD_INDEX_JSON);
        return dir;
    }

    private static void gzip(Path file, String text) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private ImdbLocator offline(Path dataDir) {
        return new ImdbLocator(dataDir, List.of(), tmp.resolve("cache"), false, remote("http://127.0.0.1:9/none", "0"),
                remote("http://127.0.0.1:9/none", "0"), new PrintStream(OutputStream.nullOutputStream()));
    }

    private static ImdbLocator.Remote remote(String uri, String sha256) { return new ImdbLocator.Remote(URI.create(uri), sha256); }

    // ---- reading the three layouts ----

    @Test
    void folderGivesBothSplitsInKerasOrder() throws IOException {
        writeFolder(tmp.resolve("data"));
        var raw = Imdb.reviews(offline(tmp.resolve("data")), 113);
        assertEquals(TRAIN_113, raw.train().files());
        assertEquals(TEST_113, raw.test().files());
        assertEquals(6, raw.train().size());
        assertArrayEquals(new int[] {1, 1, 0, 1, 0, 0}, raw.train().labels());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, raw.test().labels());
        assertEquals("A great, great film.", raw.train().texts().get(0));
        assertEquals("Fun\tfilm; not bad", raw.train().texts().get(3), "the folder's text is read as it is");
    }

    @Test
    void anotherSeedGivesNumpysOrderForThatSeed() throws IOException {
        writeFolder(tmp.resolve("data"));
        var raw = Imdb.reviews(offline(tmp.resolve("data")), 7);
        // RandomState(7): [3,5,0,2,1,4] then [4,5,3,2,1,0] over the storage order (pos sorted, then neg sorted).
        assertEquals(List.of("train/neg/0_2.txt", "train/neg/2_3.txt", "train/pos/0_9.txt", "train/pos/1_7.txt",
                "train/pos/10_10.txt", "train/neg/11_1.txt"), raw.train().files());
        assertEquals(List.of("test/neg/1_4.txt", "test/neg/2_2.txt", "test/neg/0_1.txt", "test/pos/2_7.txt",
                "test/pos/1_10.txt", "test/pos/0_8.txt"), raw.test().files());
    }

    @Test
    void archiveAndTsvCopyReadTheSameAsTheFolder() throws IOException {
        writeFolder(tmp.resolve("folder"));
        var fromFolder = Imdb.reviews(offline(tmp.resolve("folder")), 113);
        Path archive = writeArchive(tmp.resolve("archive").resolve(ImdbLocator.ARCHIVE_NAME));
        for (Path dataDir : List.of(archive, archive.getParent())) {
            var fromArchive = Imdb.reviews(offline(dataDir), 113);
            assertEquals(fromFolder.train().texts(), fromArchive.train().texts());
            assertEquals(fromFolder.test().files(), fromArchive.test().files());
            assertArrayEquals(fromFolder.train().labels(), fromArchive.train().labels());
        }
        var fromTsv = Imdb.reviews(offline(writeTsvCopy(tmp.resolve("shared").resolve("imdb"))), 113);
        assertEquals(fromFolder.train().files(), fromTsv.train().files());
        assertEquals(fromFolder.test().texts(), fromTsv.test().texts());
        assertEquals("Fun film; not bad", fromTsv.train().texts().get(3), "the TSV copy has the TAB as a space");
    }

    @Test
    void sharedFolderIsFoundThroughItsImdbSubfolder() throws IOException {
        writeTsvCopy(tmp.resolve("shared").resolve("imdb"));
        var locator = new ImdbLocator(null, List.of(tmp.resolve("shared")), tmp.resolve("cache"), false,
                remote("http://127.0.0.1:9/none", "0"), remote("http://127.0.0.1:9/none", "0"), System.err);
        assertEquals(TRAIN_113, Imdb.reviews(locator, 113).train().files());
        assertEquals(12, locator.readWordIndex().size());
    }

    // ---- Keras's conventions ----

    @Test
    void kerasTokenizationKeepsApostrophesAndNonAsciiLetters() throws IOException {
        assertEquals(List.of("it's", "br", "great", "Álvaro", "yes"), Imdb.words("It's <br />GREAT, Álvaro!\tyes"));
        Path json = Files.writeString(tmp.resolve("index.json"), WORD_INDEX_JSON);
        assertArrayEquals(new int[] {7, 8, 5}, Imdb.ranks("it's <br /> great unknown", ImdbLocator.parseWordIndex(json)));
        Files.writeString(json, "{\"the\": 1, \"a\": ");
        var e = assertThrows(DataFileException.class, () -> ImdbLocator.parseWordIndex(json));
        assertTrue(e.getMessage().contains("index.json"), e.getMessage());
    }

    @Test
    void loadDataFollowsKerasIndexConventions() throws IOException {
        writeFolder(tmp.resolve("data"));
        var data = Imdb.loadData(offline(tmp.resolve("data")), Imdb.Options.defaults().withNumWords(100));
        // train row 1 is train/pos/0_9.txt: ranks 1 2 4 5 8 8 7 12 → [1] + [r + 3]
        assertArrayEquals(new int[] {1, 4, 5, 7, 8, 11, 11, 10, 15}, data.train().sequences().get(1));
        assertArrayEquals(new int[] {1, 13, 15, 13, 8}, data.train().sequences().get(5), "unknown words are dropped");
        assertArrayEquals(new int[] {1, 12}, data.test().sequences().get(3));
        assertArrayEquals(new int[] {1, 1, 0, 1, 0, 0}, data.train().labels());
    }

    @Test
    void numWordsSkipTopAndOovCharClipAsKeras() throws IOException {
        writeFolder(tmp.resolve("data"));
        var locator = offline(tmp.resolve("data"));
        var defaults = Imdb.Options.defaults();
        assertArrayEquals(new int[] {1, 4, 5, 7, 2, 2, 2, 2, 2}, Imdb.loadData(locator, defaults.withNumWords(8)).train().sequences().get(1));
        // skipTop 5 also turns the start character 1 into OOV, as Keras does.
        assertArrayEquals(new int[] {2, 2, 5, 7, 8, 11, 11, 10, 15}, Imdb.loadData(locator, defaults.withSkipTop(5).withNumWords(100))
                .train().sequences().get(1));
        assertArrayEquals(new int[] {1, 4, 5, 7}, Imdb.loadData(locator, defaults.withNumWords(8).withOovChar(null))
                .train().sequences().get(1));
        // Without numWords Keras's limit is the largest value (15, "fun"), which itself becomes OOV.
        assertArrayEquals(new int[] {1, 4, 5, 7, 8, 11, 11, 10, 2}, Imdb.loadData(locator, defaults).train().sequences().get(1));
        var raw = Imdb.loadData(locator, defaults.withStartChar(null).withIndexFrom(0).withNumWords(100));
        assertArrayEquals(new int[] {1, 2, 4, 5, 8, 8, 7, 12}, raw.train().sequences().get(1));
    }

    @Test
    void maxlenDropsSequencesThatAreNotShorter() throws IOException {
        writeFolder(tmp.resolve("data"));
        var locator = offline(tmp.resolve("data"));
        // Lengths with the start character, in row order: train 5 9 5 5 5 5, test 6 5 3 2 3 4.
        var data = Imdb.loadData(locator, Imdb.Options.defaults().withMaxlen(6).withNumWords(100));
        assertEquals(5, data.train().size());
        assertArrayEquals(new int[] {1, 0, 1, 0, 0}, data.train().labels());
        assertArrayEquals(new int[] {1, 13, 15, 13, 8}, data.train().sequences().get(4));
        assertEquals(5, data.test().size());
        assertArrayEquals(new int[] {0, 0, 1, 1, 1}, data.test().labels());
        var e = assertThrows(IllegalArgumentException.class, () -> Imdb.loadData(locator, Imdb.Options.defaults().withMaxlen(5)));
        assertTrue(e.getMessage().contains("maxlen=5"), e.getMessage());
    }

    @Test
    void loadGivesPaddedDatasets() throws IOException {
        writeFolder(tmp.resolve("data"));
        var encoded = Imdb.loadData(offline(tmp.resolve("data")), Imdb.Options.defaults().withNumWords(100));
        var split = Imdb.toDatasets(encoded, 6, Sequences.Padding.POST, Sequences.Truncating.POST);
        var tokens = split.train().features().get(0);
        assertEquals(Shape.of(6, 6), tokens.shape());
        assertEquals(DType.INT32, tokens.dtype());
        assertEquals(Shape.of(6, 1), split.train().labels().shape());
        assertEquals(DType.FLOAT32, split.train().labels().dtype());
        int[] rows = tokens.toIntArray();
        assertArrayEquals(new int[] {1, 6, 8, 8, 12, 0}, Arrays.copyOfRange(rows, 0, 6), "post padding");
        assertArrayEquals(new int[] {1, 4, 5, 7, 8, 11}, Arrays.copyOfRange(rows, 6, 12), "post truncating");
        var pre = Imdb.toDatasets(encoded, 6, Sequences.Padding.PRE, Sequences.Truncating.PRE).train().features().get(0).toIntArray();
        assertArrayEquals(new int[] {0, 1, 6, 8, 8, 12}, Arrays.copyOfRange(pre, 0, 6));
        assertArrayEquals(new int[] {7, 8, 11, 11, 10, 15}, Arrays.copyOfRange(pre, 6, 12));
        assertArrayEquals(new float[] {1, 1, 0, 1, 0, 0}, split.train().labels().toFloatArray());
    }

    // ---- errors ----

    @Test
    void truncatedOrCorruptArchiveGivesAClearError() throws IOException {
        Path archive = writeArchive(tmp.resolve("good").resolve(ImdbLocator.ARCHIVE_NAME));
        byte[] bytes = Files.readAllBytes(archive);
        Path truncated = tmp.resolve("truncated.tar.gz");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        var e = assertThrows(DataFileException.class, () -> Imdb.reviews(offline(truncated), 113));
        assertTrue(e.getMessage().contains("truncated.tar.gz") && e.getMessage().contains("truncated or corrupt"), e.getMessage());

        Path flipped = tmp.resolve("flipped.tar.gz");
        byte[] corrupt = bytes.clone();
        corrupt[corrupt.length - 6] ^= 0x55;           // inside the gzip trailer's CRC-32
        Files.write(flipped, corrupt);
        var crc = assertThrows(DataFileException.class, () -> Imdb.reviews(offline(flipped), 113));
        assertTrue(crc.getMessage().contains("flipped.tar.gz"), crc.getMessage());

        Path garbage = tmp.resolve("garbage.tar.gz");
        Files.writeString(garbage, "<html>404 Not Found</html>");
        assertThrows(DataFileException.class, () -> Imdb.reviews(offline(garbage), 113));
    }

    @Test
    void truncatedTsvCopyGivesAClearError() throws IOException {
        Path dir = writeTsvCopy(tmp.resolve("imdb"));
        byte[] bytes = Files.readAllBytes(dir.resolve("test.tsv.gz"));
        Files.write(dir.resolve("test.tsv.gz"), Arrays.copyOf(bytes, bytes.length - 10));
        var e = assertThrows(DataFileException.class, () -> Imdb.reviews(offline(dir), 113));
        assertTrue(e.getMessage().contains("test.tsv.gz"), e.getMessage());
    }

    @Test
    void missingDataSaysWhereItLookedAndHowToPointAtACopy() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(empty.resolve("aclImdb/train/pos"));     // an incomplete folder is not taken
        var e = assertThrows(DataFileException.class, () -> Imdb.reviews(offline(empty), 113));
        String message = e.getMessage();
        assertTrue(message.contains(empty.toString()), message);
        assertTrue(message.contains(tmp.resolve("cache").resolve("imdb").resolve(ImdbLocator.ARCHIVE_NAME).toString()), message);
        assertTrue(message.contains("downloads are off"), message);
        assertTrue(message.contains("--data") && message.contains("KILN_DATA"), message);
    }

    @Test
    void missingWordIndexIsExplained() throws IOException {
        assumeFalse(Files.exists(Path.of(System.getProperty("user.home"), ".keras", "datasets", "imdb_word_index.json")));
        Path root = writeFolder(tmp.resolve("data"));
        Files.delete(root.getParent().resolve("imdb_word_index.json"));
        var e = assertThrows(DataFileException.class, () -> Imdb.loadData(offline(tmp.resolve("data")), Imdb.Options.defaults()));
        assertTrue(e.getMessage().contains("imdb_word_index.json") && e.getMessage().contains("cannot be rebuilt"), e.getMessage());
    }

    // ---- downloads ----

    @Test
    void downloadsOnceIntoTheCacheWithProgressAndChecksum() throws Exception {
        Path archive = writeArchive(tmp.resolve("served").resolve(ImdbLocator.ARCHIVE_NAME));
        byte[] bytes = Files.readAllBytes(archive);
        HttpServer server = serve(bytes);
        try {
            Path cache = tmp.resolve("cache");
            var progress = new ByteArrayOutputStream();
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/aclImdb_v1.tar.gz";
            var wrong = new ImdbLocator(null, List.of(), cache, true, remote(url, "ab".repeat(32)), remote(url, "0"),
                    new PrintStream(progress));
            var e = assertThrows(DataFileException.class, () -> Imdb.reviews(wrong, 113));
            assertTrue(e.getMessage().contains("sha256"), e.getMessage());
            assertEquals(List.of(), listFiles(cache.resolve("imdb")), "a mismatching download leaves nothing behind");

            var locator = new ImdbLocator(null, List.of(), cache, true, remote(url, Downloads.sha256(archive)), remote(url, "0"),
                    new PrintStream(progress));
            assertEquals(TRAIN_113, Imdb.reviews(locator, 113).train().files());
            assertTrue(progress.toString().contains("Downloading aclImdb_v1.tar.gz"), progress.toString());
            assertTrue(progress.toString().contains("100%"), progress.toString());
            assertEquals(List.of(ImdbLocator.ARCHIVE_NAME), listFiles(cache.resolve("imdb")));
        } finally {
            server.stop(0);
        }
        var cachedOnly = new ImdbLocator(null, List.of(), tmp.resolve("cache"), false, remote("http://127.0.0.1:9/x", Downloads.sha256(archive)),
                remote("http://127.0.0.1:9/x", "0"), System.err);
        assertEquals(TEST_113, Imdb.reviews(cachedOnly, 113).test().files(), "the second use reads the cache");
        var corrupted = new ImdbLocator(null, List.of(), tmp.resolve("cache"), false, remote("http://127.0.0.1:9/x", "cd".repeat(32)),
                remote("http://127.0.0.1:9/x", "0"), System.err);
        var e = assertThrows(DataFileException.class, () -> Imdb.reviews(corrupted, 113));
        assertTrue(e.getMessage().contains("Delete it"), e.getMessage());
    }

    private static HttpServer serve(byte[] body) throws IOException {
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static List<String> listFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void progressLineShowsBarPercentAndRate() {
        String line = Downloads.progressLine("x.tar.gz", 42_000_000, 84_000_000, 2_000_000_000L);
        assertEquals("Downloading x.tar.gz [===============>              ]  50% 42.0/84.0 MB 21.0 MB/s", line);
        assertFalse(Downloads.progressLine("x", 5_000_000, -1, 1_000_000_000L).contains("["));
    }
}
