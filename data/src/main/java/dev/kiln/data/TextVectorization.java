package dev.kiln.data;

import dev.kiln.core.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * Maps raw strings to token indices or to bag-of-words vectors, as Keras 3's {@code TextVectorization}.
 *
 * <p>Each text goes through:
 * <ol>
 *   <li>standardize: with {@code stripHtmlLineBreaks}, every {@code <br />} (any case, {@code <br>}, {@code <br/>})
 *       becomes a space first; LOWER lower-cases A–Z only (as {@code tf.strings.lower}: other letters stay);
 *       STRIP_PUNCTUATION deletes each of {@code !"#$%&()*+,-./:;<=>?@[\]^_`{|}~'};</li>
 *   <li>split: WHITESPACE on runs of ASCII whitespace (space, \t, \n, \u000B, \f, \r), CHARACTER into Unicode code
 *       points, NONE keeps the text whole;</li>
 *   <li>ngrams: for each width w of {@code ngrams}, in that order, every w consecutive tokens joined by a space;</li>
 *   <li>lookup in the vocabulary, which {@link #adapt} learns or {@link #setVocabulary} sets.</li>
 * </ol>
 *
 * <p>The vocabulary is {@code ["", "[UNK]", t1, t2, ...]} in INT mode (padding index 0, OOV index 1) and
 * {@code ["[UNK]", t1, t2, ...]} in the other modes (OOV index 0), of size V ≤ maxTokens. adapt orders tokens by
 * count, most frequent first, and ties by the token's code points, highest first, as Keras does.
 *
 * <p>Output of {@link #apply} for N texts, with depth D = maxTokens when {@code padToMaxTokens}, else V:
 * INT: int32 [N, outputSequenceLength] (indices cut or padded with 0 at the end; without a length, padded to
 * the longest text); MULTI_HOT: float32 [N, D], 1 where a token occurs; COUNT: [N, D], its occurrences;
 * TF_IDF: [N, D], count · idf with idf(t) = ln(1 + documents / (1 + documents containing t)) over the adapted
 * texts, and the OOV entry's idf the mean of the learned ones.
 */
public final class TextVectorization {

    public enum Standardize { NONE, LOWER, STRIP_PUNCTUATION, LOWER_AND_STRIP_PUNCTUATION }

    public enum Split { NONE, WHITESPACE, CHARACTER }

    public enum OutputMode { INT, MULTI_HOT, COUNT, TF_IDF }

    /** Keras's padding (mask) token, index 0 in INT mode. */
    public static final String PADDING_TOKEN = "";
    /** Keras's out-of-vocabulary token. */
    public static final String OOV_TOKEN = "[UNK]";

    /**
     * All settings, with Keras's names.
     *
     * @param maxTokens the vocabulary size V including the padding and OOV tokens, or null for no limit
     * @param ngrams the n-gram widths, in output order, or null for the split tokens alone
     * @param outputSequenceLength INT mode only: the length of every output row, or null
     * @param padToMaxTokens non-INT modes: output depth maxTokens even when the vocabulary is smaller
     */
    public record Config(Integer maxTokens, Standardize standardize, boolean stripHtmlLineBreaks, Split split,
                         List<Integer> ngrams, OutputMode outputMode, Integer outputSequenceLength, boolean padToMaxTokens) {
        public Config {
            if (maxTokens != null && maxTokens <= 1) {
                throw new IllegalArgumentException("If set, maxTokens must be greater than 1. Received: maxTokens=" + maxTokens);
            }
            if (standardize == null || split == null || outputMode == null) {
                throw new IllegalArgumentException("standardize, split and outputMode must not be null");
            }
            if (ngrams != null) {
                ngrams = List.copyOf(ngrams);
                if (ngrams.isEmpty() || ngrams.stream().anyMatch(w -> w < 1)) {
                    throw new IllegalArgumentException("ngrams must be positive widths. Received: ngrams=" + ngrams);
                }
                if (split == Split.NONE) throw new IllegalArgumentException("ngrams need a split. Received: split=NONE, ngrams=" + ngrams);
            }
            if (outputSequenceLength != null && outputMode != OutputMode.INT) {
                throw new IllegalArgumentException("outputSequenceLength must not be set if outputMode is not INT. Received: outputMode="
                        + outputMode + ", outputSequenceLength=" + outputSequenceLength);
            }
            if (outputSequenceLength != null && outputSequenceLength < 1) {
                throw new IllegalArgumentException("outputSequenceLength must be positive. Received: outputSequenceLength=" + outputSequenceLength);
            }
            if (padToMaxTokens && maxTokens == null) {
                throw new IllegalArgumentException("padToMaxTokens needs maxTokens. Received: maxTokens=null");
            }
        }

        /** Keras's defaults: no token limit, lower_and_strip_punctuation, whitespace, INT. */
        public static Config defaults() {
            return new Config(null, Standardize.LOWER_AND_STRIP_PUNCTUATION, false, Split.WHITESPACE, null, OutputMode.INT, null, false);
        }

        public Config withMaxTokens(Integer maxTokens) {
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens);
        }

        public Config withStandardize(Standardize standardize) {
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens);
        }

        public Config withStripHtmlLineBreaks(boolean strip) {
            return new Config(maxTokens, standardize, strip, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens);
        }

        public Config withSplit(Split split) {
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens);
        }

        /** N-grams of every width from 1 to {@code upTo}, as Keras's integer {@code ngrams}. */
        public Config withNgrams(int upTo) {
            if (upTo < 1) throw new IllegalArgumentException("ngrams must be positive. Received: ngrams=" + upTo);
            return withNgramWidths(IntStream.rangeClosed(1, upTo).toArray());
        }

        /** N-grams of exactly these widths, as Keras's tuple {@code ngrams}. */
        public Config withNgramWidths(int... widths) {
            var list = Arrays.stream(widths).boxed().toList();
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, list, outputMode, outputSequenceLength, padToMaxTokens);
        }

        public Config withOutputMode(OutputMode outputMode) {
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens);
        }

        public Config withOutputSequenceLength(Integer length) {
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, ngrams, outputMode, length, padToMaxTokens);
        }

        public Config withPadToMaxTokens(boolean pad) {
            return new Config(maxTokens, standardize, stripHtmlLineBreaks, split, ngrams, outputMode, outputSequenceLength, pad);
        }
    }

    private static final Pattern HTML_LINE_BREAK = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
    private static final boolean[] PUNCTUATION = new boolean[128];
    static {
        for (char c : "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'".toCharArray()) PUNCTUATION[c] = true;
    }

    private final Config config;
    private List<String> vocabulary;        // with the special tokens in front; null until adapted or set
    private Map<String, Integer> index;
    private double[] idf;                   // TF_IDF: one weight per vocabulary entry

    public TextVectorization() { this(Config.defaults()); }

    public TextVectorization(int maxTokens, OutputMode outputMode) {
        this(Config.defaults().withMaxTokens(maxTokens).withOutputMode(outputMode));
    }

    public TextVectorization(Config config) {
        if (config == null) throw new IllegalArgumentException("config must not be null");
        this.config = config;
    }

    public Config config() { return config; }

    // ---- text to tokens ----

    /** Step 1: the text after HTML line-break stripping, lower-casing and punctuation stripping as configured. */
    public String standardize(String text) {
        if (config.stripHtmlLineBreaks()) text = HTML_LINE_BREAK.matcher(text).replaceAll(" ");
        var standardize = config.standardize();
        boolean lower = standardize == Standardize.LOWER || standardize == Standardize.LOWER_AND_STRIP_PUNCTUATION;
        boolean strip = standardize == Standardize.STRIP_PUNCTUATION || standardize == Standardize.LOWER_AND_STRIP_PUNCTUATION;
        if (!lower && !strip) return text;
        var out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (strip && c < PUNCTUATION.length && PUNCTUATION[c]) continue;
            out.append(lower && c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return out.toString();
    }

    /** Steps 1 to 3: the tokens (and n-grams) the vocabulary is looked up with. */
    public List<String> tokens(String text) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        String s = standardize(text);
        List<String> words = switch (config.split()) {
            case NONE -> List.of(s);
            case WHITESPACE -> splitWhitespace(s);
            case CHARACTER -> s.codePoints().mapToObj(Character::toString).toList();
        };
        if (config.ngrams() == null) return words;
        List<String> out = new ArrayList<>();
        for (int width : config.ngrams()) {
            for (int i = 0; i + width <= words.size(); i++) out.add(String.join(" ", words.subList(i, i + width)));
        }
        return out;
    }

    private static List<String> splitWhitespace(String s) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean space = i == s.length() || isAsciiWhitespace(s.charAt(i));
            if (space && start >= 0) {
                words.add(s.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return words;
    }

    private static boolean isAsciiWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    // ---- the vocabulary ----

    /** Learns the vocabulary (and, for TF_IDF, the document frequencies) from these texts, replacing any earlier one. */
    public void adapt(Iterable<String> texts) {
        Map<String, long[]> stats = new HashMap<>();    // token -> {count, documents containing it, last document seen}
        long documents = 0;
        for (String text : texts) {
            documents++;
            for (String token : tokens(text)) {
                long[] s = stats.computeIfAbsent(token, k -> new long[] {0, 0, 0});
                s[0]++;
                if (s[2] != documents) {
                    s[1]++;
                    s[2] = documents;
                }
            }
        }
        stats.remove(PADDING_TOKEN);
        stats.remove(OOV_TOKEN);
        int start = tokenStart();
        long learned = config.maxTokens() == null ? Long.MAX_VALUE : config.maxTokens() - start;
        List<String> tokens = stats.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, long[]>>comparingLong(e -> -e.getValue()[0])
                        .thenComparing(Map.Entry::getKey, TextVectorization::compareCodePointsDescending))
                .limit(learned)
                .map(Map.Entry::getKey)
                .toList();
        double[] weights = null;
        if (config.outputMode() == OutputMode.TF_IDF) {
            long n = documents;
            double[] learnedIdf = tokens.stream().mapToDouble(t -> Math.log(1 + (double) n / (1 + stats.get(t)[1]))).toArray();
            weights = new double[start + learnedIdf.length];
            Arrays.fill(weights, 0, start, Arrays.stream(learnedIdf).average().orElse(0));
            System.arraycopy(learnedIdf, 0, weights, start, learnedIdf.length);
        }
        install(tokens, weights);
    }

    private static int compareCodePointsDescending(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(cb, ca);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(b.length() - j, a.length() - i);
    }

    /** Sets the vocabulary directly; it may start with the special tokens of this mode or leave them out. */
    public void setVocabulary(List<String> vocabulary) { setVocabulary(vocabulary, null); }

    /**
     * Sets the vocabulary and, in TF_IDF mode, its idf weights (one per entry of {@code vocabulary}). When the
     * vocabulary leaves out the special tokens, their weight is the mean of the given ones, as in Keras.
     */
    public void setVocabulary(List<String> vocabulary, double[] idfWeights) {
        boolean tfIdf = config.outputMode() == OutputMode.TF_IDF;
        if (tfIdf && idfWeights == null) throw new IllegalArgumentException("idfWeights must be set if outputMode is TF_IDF");
        if (!tfIdf && idfWeights != null) {
            throw new IllegalArgumentException("idfWeights should only be set if outputMode is TF_IDF. Received: outputMode=" + config.outputMode());
        }
        if (vocabulary == null || vocabulary.isEmpty()) throw new IllegalArgumentException("Cannot set an empty vocabulary");
        List<String> specials = specialTokens();
        boolean withSpecials = vocabulary.size() >= specials.size() && vocabulary.subList(0, specials.size()).equals(specials);
        List<String> tokens = withSpecials ? vocabulary.subList(specials.size(), vocabulary.size()) : vocabulary;
        Set<String> seen = new HashSet<>();
        var repeated = tokens.stream().filter(t -> !seen.add(t)).distinct().toList();
        if (!repeated.isEmpty()) throw new IllegalArgumentException("The vocabulary repeats these tokens: " + repeated);
        if (tokens.contains(PADDING_TOKEN)) {
            throw new IllegalArgumentException("The padding token \"\" may only come first, followed by " + OOV_TOKEN
                    + ". Received it at index " + vocabulary.lastIndexOf(PADDING_TOKEN));
        }
        if (config.maxTokens() != null && specials.size() + tokens.size() > config.maxTokens()) {
            throw new IllegalArgumentException("The vocabulary has " + (specials.size() + tokens.size())
                    + " entries with the special tokens, more than maxTokens=" + config.maxTokens());
        }
        double[] weights = null;
        if (tfIdf) {
            if (idfWeights.length != vocabulary.size()) {
                throw new IllegalArgumentException("idfWeights must have one weight per vocabulary entry. Received "
                        + idfWeights.length + " weights for " + vocabulary.size() + " entries");
            }
            if (withSpecials) {
                weights = idfWeights.clone();
            } else {
                weights = new double[specials.size() + idfWeights.length];
                Arrays.fill(weights, 0, specials.size(), Arrays.stream(idfWeights).average().orElse(0));
                System.arraycopy(idfWeights, 0, weights, specials.size(), idfWeights.length);
            }
        }
        install(List.copyOf(tokens), weights);
    }

    private void install(List<String> tokens, double[] weights) {
        List<String> all = new ArrayList<>(specialTokens());
        all.addAll(tokens);
        Map<String, Integer> lookup = new HashMap<>(all.size() * 2);
        for (int i = tokenStart(); i < all.size(); i++) lookup.put(all.get(i), i);
        vocabulary = List.copyOf(all);
        index = lookup;
        idf = weights;
    }

    private List<String> specialTokens() {
        return config.outputMode() == OutputMode.INT ? List.of(PADDING_TOKEN, OOV_TOKEN) : List.of(OOV_TOKEN);
    }

    /** Index of the first learned token: 2 in INT mode (after padding and OOV), else 1. */
    private int tokenStart() { return specialTokens().size(); }

    private int oovIndex() { return tokenStart() - 1; }

    /** The vocabulary with the special tokens in front: entry i is what index i stands for. */
    public List<String> vocabulary() { return requireVocabulary(); }

    /** V, the special tokens included. */
    public int vocabularySize() { return requireVocabulary().size(); }

    /** TF_IDF: the idf weight of every vocabulary entry (a copy); null in other modes. */
    public double[] idfWeights() {
        requireVocabulary();
        return idf == null ? null : idf.clone();
    }

    private List<String> requireVocabulary() {
        if (vocabulary == null) {
            throw new IllegalStateException("This TextVectorization has no vocabulary yet: call adapt(texts) or setVocabulary(...)");
        }
        return vocabulary;
    }

    /**
     * Writes the vocabulary, one token per line in index order (the first line is empty in INT mode: the padding
     * token), as Keras's {@code vocabulary.txt}. TF_IDF also writes the idf weights, one per line, to
     * {@link #idfWeightsFile(Path)}. Each file is written to a temporary file and then renamed into place.
     */
    public void saveVocabulary(Path file) {
        for (String token : requireVocabulary()) {
            if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
                throw new IllegalStateException("Cannot save a vocabulary with a line break inside a token: " + token);
            }
        }
        writeAtomically(file, String.join("\n", vocabulary) + "\n");
        if (idf != null) {
            writeAtomically(idfWeightsFile(file), Arrays.stream(idf).mapToObj(Double::toString).collect(Collectors.joining("\n", "", "\n")));
        }
    }

    /** Reads a vocabulary written by {@link #saveVocabulary} (or Keras), and for TF_IDF its idf weights. */
    public void loadVocabulary(Path file) {
        List<String> lines = new ArrayList<>(Arrays.asList(read(file).split("\n", -1)));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        double[] weights = null;
        if (config.outputMode() == OutputMode.TF_IDF) {
            Path idfFile = idfWeightsFile(file);
            if (!Files.exists(idfFile)) throw new IllegalArgumentException("TF_IDF needs the idf weights file next to the vocabulary: " + idfFile);
            try {
                weights = read(idfFile).lines().filter(l -> !l.isBlank()).mapToDouble(Double::parseDouble).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("The idf weights file " + idfFile + " has a line that is not a number: " + e.getMessage(), e);
            }
        }
        setVocabulary(lines, weights);
    }

    /** Where {@link #saveVocabulary} puts the idf weights: the vocabulary file's name plus ".idf". */
    public static Path idfWeightsFile(Path vocabularyFile) {
        return vocabularyFile.resolveSibling(vocabularyFile.getFileName() + ".idf");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e, e);
        }
    }

    private static void writeAtomically(Path file, String content) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e, e);
        }
    }

    // ---- output ----

    /**
     * The vocabulary indices of a text's tokens, unpadded. INT mode: the padding token maps to 0 and unknown tokens
     * to 1; other modes: unknown tokens map to 0 and padding tokens are dropped.
     */
    public int[] encode(String text) {
        requireVocabulary();
        List<String> tokens = tokens(text);
        int[] ids = new int[tokens.size()];
        int n = 0;
        boolean intMode = config.outputMode() == OutputMode.INT;
        for (String token : tokens) {
            if (token.isEmpty()) {
                if (intMode) ids[n++] = 0;
            } else {
                ids[n++] = index.getOrDefault(token, oovIndex());
            }
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    /** Vectorizes a batch of texts: int32 [N, L] in INT mode, float32 [N, D] otherwise (see the class doc). */
    public Tensor apply(List<String> texts) {
        requireVocabulary();
        List<int[]> encoded = texts.stream().map(this::encode).toList();
        if (config.outputMode() == OutputMode.INT) {
            var padded = Sequences.pad(encoded, config.outputSequenceLength(), Sequences.Padding.POST, Sequences.Truncating.POST, 0);
            return Sequences.toTensor(padded);
        }
        int depth = config.padToMaxTokens() ? config.maxTokens() : vocabulary.size();
        float[] out = new float[Math.multiplyExact(texts.size(), depth)];
        for (int i = 0; i < encoded.size(); i++) {
            int row = i * depth;
            for (int id : encoded.get(i)) {
                if (config.outputMode() == OutputMode.MULTI_HOT) out[row + id] = 1;
                else out[row + id] += 1;
            }
            if (config.outputMode() == OutputMode.TF_IDF) {
                for (int id : Arrays.stream(encoded.get(i)).distinct().toArray()) out[row + id] = (float) (out[row + id] * idf[id]);
            }
        }
        return Tensor.of(out, texts.size(), depth);
    }

    /**
     * A Dataset of these texts that vectorizes each batch on the prefetch thread, so no [N, D] array is ever held:
     * its stored feature is each text's row number, int64 [N, 1]. The vocabulary must not change while it is used.
     */
    public Dataset dataset(List<String> texts, Tensor labels) {
        requireVocabulary();
        List<String> all = List.copyOf(texts);
        long[] rows = LongStream.range(0, all.size()).toArray();
        return Dataset.of(Tensor.of(rows, rows.length, 1), labels).map(batch -> {
            long[] ids = batch.input().toLongArray();
            List<String> batchTexts = Arrays.stream(ids).mapToObj(id -> all.get((int) id)).toList();
            return batch.withInputs(List.of(apply(batchTexts)));
        });
    }
}
