package dev.kiln.data;

import dev.kiln.core.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Large Movie Review Dataset (Maas et al., 2011): 25,000 training and 25,000 test movie reviews from IMDB,
 * each labelled positive (1, rated 7–10 of 10) or negative (0, rated 1–4), half of each in both splits.
 *
 * <pre>{@code
 * var imdb = Imdb.load(10_000, 100, Sequences.Padding.POST, Sequences.Truncating.POST);
 * imdb.train();   // tokens int32 [25000, 100], labels float32 [25000, 1]
 * }</pre>
 *
 * <p>It reads the original {@code aclImdb} folder, {@code aclImdb_v1.tar.gz} without unpacking it, or the TSV copy
 * of {@code shared/data/imdb}. It looks, in order, in {@link Options#dataDir()} (and its {@code imdb/}), in the
 * folder named by {@code -Dkiln.shared.data} or else {@code KILN_DATA} (its {@code imdb/}, or itself), and in the
 * cache {@code ~/.kiln/datasets/imdb} ({@code -Dkiln.datasets} or {@code KILN_DATASETS} move it); if none has the
 * data it downloads {@link #ARCHIVE_URL} once into the cache, with a progress bar and a sha256 check, unless
 * {@code -Dkiln.offline=true} or {@code KILN_OFFLINE=1}. Offline, the error lists where it looked.
 *
 * <p>{@link #loadData(Options)} follows Keras's {@code keras.datasets.imdb.load_data} exactly: the same word
 * ranks, conventions and seed-113 row order, so results compare with Keras's published numbers. It needs Keras's
 * {@code imdb_word_index.json}, found next to the data, in {@code ~/.keras/datasets}, or downloaded into the cache.
 */
public final class Imdb {

    /** The original archive, and its sha256. */
    public static final String ARCHIVE_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";
    public static final String ARCHIVE_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe";
    /** Keras's word index, and the sha256 of its bytes (Keras checks md5 bfafd718b763782e994055a2d397834f). */
    public static final String WORD_INDEX_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json";
    public static final String WORD_INDEX_SHA256 = "027313fe9a320280f3bf0fac5baf58c4a683cf39a7ed9c3d3d3912bde4284cf6";

    /** The ASCII characters Keras's tokenizer splits on: the space and its default {@code filters}. */
    private static final boolean[] SEPARATOR = new boolean[128];
    static {
        for (char c : " !\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n".toCharArray()) SEPARATOR[c] = true;
    }

    private Imdb() {}

    /**
     * The reviews of one split, row i being {@code texts[i]}, {@code labels[i]} (1 positive, 0 negative) and
     * {@code files[i]}, the review's path in aclImdb ({@code train/pos/576_10.txt}: id 576, rated 10).
     */
    public record Reviews(List<String> texts, int[] labels, List<String> files) {
        public Reviews {
            texts = List.copyOf(texts);
            files = List.copyOf(files);
            if (labels.length != texts.size() || files.size() != texts.size()) {
                throw new IllegalArgumentException("Reviews need one label and one file per text. Received " + texts.size() + " texts, "
                        + labels.length + " labels, " + files.size() + " files");
            }
        }

        public int size() { return texts.size(); }

        private Reviews rows(int[] order) {
            return new Reviews(Arrays.stream(order).mapToObj(texts::get).toList(), Arrays.stream(order).map(i -> labels[i]).toArray(),
                    Arrays.stream(order).mapToObj(files::get).toList());
        }
    }

    /** Both splits as raw text. */
    public record RawData(Reviews train, Reviews test) {}

    /** Word-index sequences and labels of one split, as {@code load_data} returns {@code (x, y)}. */
    public record Encoded(List<int[]> sequences, int[] labels) {
        public Encoded {
            sequences = List.copyOf(sequences);
            if (labels.length != sequences.size()) {
                throw new IllegalArgumentException("Encoded needs one label per sequence. Received " + sequences.size() + " and " + labels.length);
            }
        }

        public int size() { return sequences.size(); }
    }

    /** {@code (x_train, y_train), (x_test, y_test)}. */
    public record EncodedData(Encoded train, Encoded test) {}

    /** Ready-to-train datasets: tokens int32 [N, maxlen] and labels float32 [N, 1]. */
    public record Split(Dataset train, Dataset test) {}

    /**
     * Where to find the data, and {@code load_data}'s arguments with Keras's names and defaults.
     *
     * @param dataDir searched first for the data (the {@code --data} option), or null
     * @param numWords keep word indices below this (others become oovChar); null: no limit beyond Keras's own (below)
     * @param skipTop indices below this become oovChar too
     * @param maxlen drop sequences (start character included) that are not shorter than this; null keeps all
     * @param seed the {@code numpy.random.RandomState} seed of the row order, 0 to 2^32 − 1
     * @param startChar put in front of every sequence, or null for none
     * @param oovChar what replaces clipped indices, or null to drop them
     * @param indexFrom added to every word rank
     */
    public record Options(Path dataDir, Integer numWords, int skipTop, Integer maxlen, long seed, Integer startChar, Integer oovChar,
                          int indexFrom) {
        public Options {
            if (numWords != null && numWords < 1) throw new IllegalArgumentException("numWords must be positive. Received: numWords=" + numWords);
            if (skipTop < 0) throw new IllegalArgumentException("skipTop must be >= 0. Received: skipTop=" + skipTop);
            if (maxlen != null && maxlen < 1) throw new IllegalArgumentException("maxlen must be positive. Received: maxlen=" + maxlen);
            if (seed < 0 || seed > 0xFFFF_FFFFL) throw new IllegalArgumentException("seed must be between 0 and 2**32 - 1. Received: seed=" + seed);
            if (indexFrom < 0) throw new IllegalArgumentException("indexFrom must be >= 0. Received: indexFrom=" + indexFrom);
        }

        /** Keras's defaults: all words, skipTop 0, no maxlen, seed 113, start 1, OOV 2, index from 3. */
        public static Options defaults() { return new Options(null, null, 0, null, 113, 1, 2, 3); }

        public Options withDataDir(Path dir) { return new Options(dir, numWords, skipTop, maxlen, seed, startChar, oovChar, indexFrom); }

        public Options withNumWords(Integer n) { return new Options(dataDir, n, skipTop, maxlen, seed, startChar, oovChar, indexFrom); }

        public Options withSkipTop(int n) { return new Options(dataDir, numWords, n, maxlen, seed, startChar, oovChar, indexFrom); }

        public Options withMaxlen(Integer n) { return new Options(dataDir, numWords, skipTop, n, seed, startChar, oovChar, indexFrom); }

        public Options withSeed(long s) { return new Options(dataDir, numWords, skipTop, maxlen, s, startChar, oovChar, indexFrom); }

        public Options withStartChar(Integer c) { return new Options(dataDir, numWords, skipTop, maxlen, seed, c, oovChar, indexFrom); }

        public Options withOovChar(Integer c) { return new Options(dataDir, numWords, skipTop, maxlen, seed, startChar, c, indexFrom); }

        public Options withIndexFrom(int n) { return new Options(dataDir, numWords, skipTop, maxlen, seed, startChar, oovChar, n); }
    }

    // ---- raw text ----

    /** Both splits' texts and labels, in Keras's seed-113 row order. */
    public static RawData reviews() { return reviews(Options.defaults()); }

    /** Both splits' texts and labels, from {@code options.dataDir()} or the usual places, in the order of {@code options.seed()}. */
    public static RawData reviews(Options options) { return reviews(ImdbLocator.fromEnvironment(options.dataDir()), options.seed()); }

    static RawData reviews(ImdbLocator locator, long seed) { return inKerasOrder(locator.readReviews(), seed); }

    /**
     * Keras's row order from the storage order (pos files sorted, then neg files sorted):
     * {@code rng = RandomState(seed)}; train row i is storage row {@code idx[i]} of {@code rng.shuffle(arange(N))};
     * the test split takes the next shuffle from the same generator.
     */
    static RawData inKerasOrder(RawData storageOrder, long seed) {
        var rng = new NumpyRandomState(seed);
        Reviews train = storageOrder.train().rows(rng.permutation(storageOrder.train().size()));
        Reviews test = storageOrder.test().rows(rng.permutation(storageOrder.test().size()));
        return new RawData(train, test);
    }

    // ---- Keras's sequences ----

    /** Keras's word index: word → frequency rank in the training split, from 1 ("the"). */
    public static Map<String, Integer> wordIndex() { return wordIndex(Options.defaults()); }

    public static Map<String, Integer> wordIndex(Options options) { return ImdbLocator.fromEnvironment(options.dataDir()).readWordIndex(); }

    /** {@code keras.datasets.imdb.load_data()} with its defaults. */
    public static EncodedData loadData() { return loadData(Options.defaults()); }

    /** {@code keras.datasets.imdb.load_data(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)}. */
    public static EncodedData loadData(Options options) {
        return loadData(ImdbLocator.fromEnvironment(options.dataDir()), options);
    }

    static EncodedData loadData(ImdbLocator locator, Options options) {
        return encode(reviews(locator, options.seed()), locator.readWordIndex(), options);
    }

    /**
     * The words of a review as Keras tokenized them: A–Z lower-cased (no other letter changes), each of
     * {@code !"#$%&()*+,-./:;<=>?@[\]^_`{|}~}, TAB and LF made a space, then split on spaces, empty words dropped.
     * The apostrophe stays, and {@code <br />} becomes the word {@code br}.
     */
    public static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        var word = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (c < SEPARATOR.length && SEPARATOR[c]) {
                if (word.length() > 0) words.add(word.toString());
                word.setLength(0);
            } else {
                word.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
            }
        }
        return words;
    }

    /** A review's word ranks: each word's rank in the index; words not in it are dropped, as Keras did for test words. */
    public static int[] ranks(String text, Map<String, Integer> wordIndex) {
        List<String> words = words(text);
        int[] ranks = new int[words.size()];
        int n = 0;
        for (String word : words) {
            Integer rank = wordIndex.get(word);
            if (rank != null) ranks[n++] = rank;
        }
        return Arrays.copyOf(ranks, n);
    }

    /**
     * Applies {@code load_data}'s conventions to reviews already in row order: each sequence becomes
     * {@code [startChar] + [rank + indexFrom ...]}; with maxlen, sequences of maxlen or more entries are dropped
     * (each split separately); then every value v outside skipTop ≤ v < numWords becomes oovChar (or is dropped
     * when oovChar is null). Keras quirks kept: without numWords the limit is the largest value of both splits,
     * so that one value becomes oovChar; a skipTop above startChar turns the start character into oovChar.
     */
    public static EncodedData encode(RawData reviews, Map<String, Integer> wordIndex, Options options) {
        List<int[]> train = new ArrayList<>();
        List<int[]> test = new ArrayList<>();
        int[] trainLabels = shift(reviews.train(), wordIndex, options, train);
        int[] testLabels = shift(reviews.test(), wordIndex, options, test);
        if (options.maxlen() != null && (train.isEmpty() || test.isEmpty())) {
            throw new IllegalArgumentException("After filtering for sequences shorter than maxlen=" + options.maxlen()
                    + ", no sequence was kept. Increase maxlen.");
        }
        int numWords = options.numWords() != null ? options.numWords()
                : Stream.concat(train.stream(), test.stream()).flatMapToInt(Arrays::stream).max().orElse(0);
        clip(train, numWords, options);
        clip(test, numWords, options);
        return new EncodedData(new Encoded(train, trainLabels), new Encoded(test, testLabels));
    }

    /** Fills {@code out} with the start character and shifted ranks of the kept reviews; returns their labels. */
    private static int[] shift(Reviews reviews, Map<String, Integer> wordIndex, Options options, List<int[]> out) {
        int offset = options.startChar() != null ? 1 : 0;
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < reviews.size(); i++) {
            int[] ranks = ranks(reviews.texts().get(i), wordIndex);
            int[] seq = new int[offset + ranks.length];
            if (offset == 1) seq[0] = options.startChar();
            for (int k = 0; k < ranks.length; k++) seq[offset + k] = ranks[k] + options.indexFrom();
            if (options.maxlen() != null && seq.length >= options.maxlen()) continue;
            out.add(seq);
            labels.add(reviews.labels()[i]);
        }
        return labels.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void clip(List<int[]> sequences, int numWords, Options options) {
        for (int i = 0; i < sequences.size(); i++) {
            int[] seq = sequences.get(i);
            if (options.oovChar() != null) {
                for (int k = 0; k < seq.length; k++) if (seq[k] < options.skipTop() || seq[k] >= numWords) seq[k] = options.oovChar();
            } else {
                sequences.set(i, Arrays.stream(seq).filter(v -> v >= options.skipTop() && v < numWords).toArray());
            }
        }
    }

    // ---- ready datasets ----

    /** {@code load_data(num_words=numWords)} padded and truncated to maxlen as {@code pad_sequences} defaults (pre, pre). */
    public static Split load(int numWords, int maxlen) {
        return load(Options.defaults().withNumWords(numWords), maxlen, Sequences.Padding.PRE, Sequences.Truncating.PRE);
    }

    /** {@code load_data(num_words=numWords)} padded and truncated to maxlen on the given sides. */
    public static Split load(int numWords, int maxlen, Sequences.Padding padding, Sequences.Truncating truncating) {
        return load(Options.defaults().withNumWords(numWords), maxlen, padding, truncating);
    }

    /**
     * {@link #loadData(Options)}, then {@code pad_sequences(x, maxlen, padding, truncating)} with value 0, as
     * Datasets of tokens int32 [N, maxlen] and labels float32 [N, 1].
     */
    public static Split load(Options options, int maxlen, Sequences.Padding padding, Sequences.Truncating truncating) {
        return toDatasets(loadData(options), maxlen, padding, truncating);
    }

    static Split toDatasets(EncodedData data, int maxlen, Sequences.Padding padding, Sequences.Truncating truncating) {
        if (maxlen < 1) throw new IllegalArgumentException("maxlen must be positive. Received: maxlen=" + maxlen);
        return new Split(toDataset(data.train(), maxlen, padding, truncating), toDataset(data.test(), maxlen, padding, truncating));
    }

    private static Dataset toDataset(Encoded split, int maxlen, Sequences.Padding padding, Sequences.Truncating truncating) {
        var tokens = Sequences.toTensor(Sequences.pad(split.sequences(), maxlen, padding, truncating, 0));
        float[] labels = new float[split.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = split.labels()[i];
        return Dataset.of(tokens, Tensor.of(labels, labels.length, 1));
    }
}
