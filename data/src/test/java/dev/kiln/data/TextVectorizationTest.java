package dev.kiln.data;

import static dev.kiln.data.TextVectorization.OutputMode.COUNT;
import static dev.kiln.data.TextVectorization.OutputMode.INT;
import static dev.kiln.data.TextVectorization.OutputMode.MULTI_HOT;
import static dev.kiln.data.TextVectorization.OutputMode.TF_IDF;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.data.TextVectorization.Config;
import dev.kiln.data.TextVectorization.Split;
import dev.kiln.data.TextVectorization.Standardize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expected values are worked out by hand. The corpus below standardizes to [the cat sat], [the cat the hat], [a hat]:
 * counts the 3, cat 2, hat 2, sat 1, a 1, so the order is the, hat, cat (tie: higher token first), sat, a.
 */
class TextVectorizationTest {

    private static final List<String> CORPUS = List.of("The cat sat.", "the CAT, the hat!", "A hat");

    private static TextVectorization adapted(Config config) {
        var v = new TextVectorization(config);
        v.adapt(CORPUS);
        return v;
    }

    private static float[] row(Tensor t) { return t.toFloatArray(); }

    @Test
    void standardizeLowersAsciiAndStripsPunctuation() {
        var v = new TextVectorization();
        String text = "It's GREAT!<br />Visit: https://x.org — ÉCOLE";
        assertEquals("its greatbr visit httpsxorg — École", v.standardize(text));
        var imdb = new TextVectorization(Config.defaults().withStripHtmlLineBreaks(true));
        assertEquals("its great visit httpsxorg — École", imdb.standardize(text));
        assertEquals(List.of("its", "great", "visit", "httpsxorg", "—", "École"), imdb.tokens(text));
        var lower = new TextVectorization(Config.defaults().withStandardize(Standardize.LOWER));
        assertEquals("it's great!<br />visit", lower.standardize("It's GREAT!<br />Visit"));
        var strip = new TextVectorization(Config.defaults().withStandardize(Standardize.STRIP_PUNCTUATION));
        assertEquals("Its GREAT", strip.standardize("It's GREAT!"));
    }

    @Test
    void splitsOnAsciiWhitespaceOrCharacters() {
        var v = new TextVectorization(Config.defaults().withStandardize(Standardize.NONE));
        assertEquals(List.of("a", "b", "c", "d\u00A0e", "f"), v.tokens(" a\tb\n\nc\u000Bd\u00A0e  f\r"));
        var chars = new TextVectorization(Config.defaults().withStandardize(Standardize.NONE).withSplit(Split.CHARACTER));
        assertEquals(List.of("a", "b", " ", "😀"), chars.tokens("ab 😀"));
        var none = new TextVectorization(Config.defaults().withSplit(Split.NONE));
        assertEquals(List.of("a b"), none.tokens("A, b"));
    }

    @Test
    void adaptOrdersByCountThenByTokenDescending() {
        var v = adapted(Config.defaults());
        assertEquals(List.of("", "[UNK]", "the", "hat", "cat", "sat", "a"), v.vocabulary());
        var capped = adapted(Config.defaults().withMaxTokens(5));
        assertEquals(List.of("", "[UNK]", "the", "hat", "cat"), capped.vocabulary());
        assertEquals(5, capped.vocabularySize());
        var multiHot = adapted(Config.defaults().withOutputMode(MULTI_HOT));
        assertEquals(List.of("[UNK]", "the", "hat", "cat", "sat", "a"), multiHot.vocabulary());
    }

    @Test
    void kerasDocumentedExample() {
        // keras.layers.TextVectorization docstring: max_tokens=5000, output_sequence_length=4.
        var v = new TextVectorization(Config.defaults().withMaxTokens(5000).withOutputSequenceLength(4));
        v.adapt(List.of("foo bar", "bar baz", "baz bada boom"));
        var out = v.apply(List.of("foo qux bar", "qux baz"));
        assertArrayEquals(new int[] {4, 1, 3, 0, 1, 2, 0, 0}, out.toIntArray());
        var given = new TextVectorization(Config.defaults().withMaxTokens(5000));
        given.setVocabulary(List.of("earth", "wind", "and", "fire"));
        assertEquals(List.of("", "[UNK]", "earth", "wind", "and", "fire"), given.vocabulary());
    }

    @Test
    void intOutputPadsAndTruncatesAtTheEnd() {
        var v = adapted(Config.defaults());
        assertArrayEquals(new int[] {2, 1, 5, 1, 2, 3}, v.encode("The dog sat on the hat"));
        var ragged = v.apply(List.of("the dog sat on the hat", "cat"));
        assertEquals(Shape.of(2, 6), ragged.shape());
        assertEquals(DType.INT32, ragged.dtype());
        assertArrayEquals(new int[] {2, 1, 5, 1, 2, 3, 4, 0, 0, 0, 0, 0}, ragged.toIntArray());
        var fixed = adapted(Config.defaults().withOutputSequenceLength(4));
        assertArrayEquals(new int[] {2, 1, 5, 1, 4, 0, 0, 0}, fixed.apply(List.of("the dog sat on the hat", "cat")).toIntArray());
    }

    @Test
    void multiHotCountAndTfIdf() {
        List<String> text = List.of("the cat the dog");     // the ×2, cat ×1, dog (OOV) ×1
        var multiHot = adapted(Config.defaults().withOutputMode(MULTI_HOT)).apply(text);
        assertEquals(Shape.of(1, 6), multiHot.shape());
        assertEquals(DType.FLOAT32, multiHot.dtype());
        assertArrayEquals(new float[] {1, 1, 0, 1, 0, 0}, row(multiHot));
        assertArrayEquals(new float[] {1, 2, 0, 1, 0, 0}, row(adapted(Config.defaults().withOutputMode(COUNT)).apply(text)));

        var tfIdf = adapted(Config.defaults().withOutputMode(TF_IDF));
        double ln2 = Math.log(1 + 3.0 / 3);      // the, hat, cat: in 2 of 3 documents
        double ln25 = Math.log(1 + 3.0 / 2);     // sat, a: in 1 of 3
        double mean = (3 * ln2 + 2 * ln25) / 5;  // the OOV entry's weight
        assertArrayEquals(new double[] {mean, ln2, ln2, ln2, ln25, ln25}, tfIdf.idfWeights(), 1e-12);
        assertArrayEquals(new float[] {(float) mean, (float) (2 * ln2), 0, (float) ln2, 0, 0}, row(tfIdf.apply(text)), 1e-6f);
    }

    @Test
    void padToMaxTokensFixesTheDepth() {
        var v = adapted(Config.defaults().withOutputMode(MULTI_HOT).withMaxTokens(10).withPadToMaxTokens(true));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 0, 0, 0, 0, 0}, row(v.apply(List.of("sat"))));
    }

    @Test
    void bigramsFollowTheUnigrams() {
        var v = new TextVectorization(Config.defaults().withNgrams(2));
        assertEquals(List.of("the", "cat", "sat", "the cat", "cat sat"), v.tokens("The cat sat"));
        // a b a b | b a: a 3, b 3, "a b" 2, "b a" 2; ties go to the higher token.
        v.adapt(List.of("a b a b", "b a"));
        assertEquals(List.of("", "[UNK]", "b", "a", "b a", "a b"), v.vocabulary());
        var multiHot = new TextVectorization(Config.defaults().withNgrams(2).withOutputMode(MULTI_HOT));
        multiHot.adapt(List.of("a b a b", "b a"));
        // "a b c": a, b, c (OOV), "a b", "b c" (OOV)
        assertArrayEquals(new float[] {1, 1, 1, 0, 1}, row(multiHot.apply(List.of("a b c"))));
        var onlyBigrams = new TextVectorization(Config.defaults().withNgramWidths(2));
        assertEquals(List.of("the cat", "cat sat"), onlyBigrams.tokens("the cat sat"));
    }

    @Test
    void vocabularySavesAndLoadsOneTokenPerLine(@TempDir Path dir) throws Exception {
        var v = adapted(Config.defaults());
        Path file = dir.resolve("vocabulary.txt");
        v.saveVocabulary(file);
        assertEquals("\n[UNK]\nthe\nhat\ncat\nsat\na\n", Files.readString(file));
        var loaded = new TextVectorization();
        loaded.loadVocabulary(file);
        assertEquals(v.vocabulary(), loaded.vocabulary());

        var tfIdf = adapted(Config.defaults().withOutputMode(TF_IDF));
        Path tfIdfFile = dir.resolve("tfidf.txt");
        tfIdf.saveVocabulary(tfIdfFile);
        assertTrue(Files.exists(TextVectorization.idfWeightsFile(tfIdfFile)));
        var tfIdfLoaded = new TextVectorization(Config.defaults().withOutputMode(TF_IDF));
        tfIdfLoaded.loadVocabulary(tfIdfFile);
        assertArrayEquals(tfIdf.idfWeights(), tfIdfLoaded.idfWeights(), 0);
        assertArrayEquals(row(tfIdf.apply(CORPUS)), row(tfIdfLoaded.apply(CORPUS)), 0);
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary files are left behind");
        }
    }

    @Test
    void setVocabularyWithoutSpecialTokensPadsTheIdfWithTheMean() {
        var v = new TextVectorization(Config.defaults().withOutputMode(TF_IDF));
        v.setVocabulary(List.of("x", "y"), new double[] {1, 3});
        assertEquals(List.of("[UNK]", "x", "y"), v.vocabulary());
        assertArrayEquals(new double[] {2, 1, 3}, v.idfWeights(), 0);
    }

    @Test
    void dataSetVectorizesEachBatch() {
        var v = adapted(Config.defaults().withOutputMode(COUNT));
        var texts = List.of("the cat", "a hat hat", "sat", "the");
        var data = v.dataset(texts, Tensor.of(new float[] {1, 0, 1, 0}, 4, 1));
        List<Float> all = new ArrayList<>();
        for (Batch b : data.batches(3)) for (float x : row(b.input())) all.add(x);
        List<Float> expected = new ArrayList<>();
        for (float x : row(v.apply(texts))) expected.add(x);
        assertEquals(expected, all);
    }

    @Test
    void clearErrors() {
        var e = assertThrows(IllegalStateException.class, () -> new TextVectorization().apply(List.of("x")));
        assertTrue(e.getMessage().contains("adapt"), e.getMessage());
        var config = assertThrows(IllegalArgumentException.class,
                () -> Config.defaults().withOutputMode(MULTI_HOT).withOutputSequenceLength(4));
        assertTrue(config.getMessage().contains("outputSequenceLength"), config.getMessage());
        var tokens = assertThrows(IllegalArgumentException.class, () -> new TextVectorization(1, INT));
        assertTrue(tokens.getMessage().contains("maxTokens=1"), tokens.getMessage());
        var repeated = assertThrows(IllegalArgumentException.class, () -> new TextVectorization().setVocabulary(List.of("a", "b", "a")));
        assertTrue(repeated.getMessage().contains("[a]"), repeated.getMessage());
        var tooMany = assertThrows(IllegalArgumentException.class, () -> new TextVectorization(3, INT).setVocabulary(List.of("a", "b")));
        assertTrue(tooMany.getMessage().contains("maxTokens=3"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new TextVectorization(Config.defaults().withOutputMode(TF_IDF)).setVocabulary(List.of("a")));
    }
}
