package dev.kiln.data;

import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

/**
 * Samples held in memory (one or more named inputs, optional labels, optional per-sample weights) that a
 * trainer reads as batches.
 *
 * <p>Shapes: every input, the labels and the weights share the sample axis 0 of size N: inputs [N, ...],
 * labels [N, ...], sampleWeights [N] or [N, 1].
 *
 * <pre>{@code
 * var data = Dataset.of(tokens, labels);                   // tokens [25000, 100], labels [25000, 1]
 * var split = data.splitLast(0.2);                         // Keras validation_split: the last 20 %, unshuffled
 * for (Batch batch : split.first().batches(32, true, 7)) { ... }
 * }</pre>
 *
 * <p>Batches are cut on a background thread a few batches ahead of the consumer ({@link #withPrefetch}), so a
 * training step never waits for data that could have been ready. {@link #map} adds a per-batch transform that
 * runs on that thread too, such as vectorizing text only when its batch is needed.
 *
 * <p>A Dataset is immutable; take, skip and split copy the selected rows, so the parts own their arrays.
 */
public final class Dataset {

    /** How many batches the background thread prepares ahead of the consumer unless told otherwise. */
    public static final int DEFAULT_PREFETCH = 4;

    private final List<String> inputNames;
    private final List<Tensor> features;
    private final Tensor labels;            // null for prediction
    private final Tensor sampleWeights;     // null: every sample weighs 1
    private final long size;
    private final UnaryOperator<Batch> transform;   // null: batches as cut
    private final int prefetch;

    private Dataset(List<String> inputNames, List<Tensor> features, Tensor labels, Tensor sampleWeights,
                    UnaryOperator<Batch> transform, int prefetch) {
        this.inputNames = List.copyOf(inputNames);
        this.features = List.copyOf(features);
        this.labels = labels;
        this.sampleWeights = sampleWeights;
        this.transform = transform;
        this.prefetch = prefetch;
        this.size = features.get(0).rank() == 0 ? -1 : features.get(0).size(0);
        for (int i = 0; i < features.size(); i++) checkRows("input '" + inputNames.get(i) + "'", features.get(i));
        if (labels != null) checkRows("labels", labels);
        if (sampleWeights != null) checkRows("sampleWeights", sampleWeights);
    }

    /** One input (named "input") and its labels; labels may be null for prediction. */
    public static Dataset of(Tensor features, Tensor labels) {
        if (features == null) throw new IllegalArgumentException("features must not be null");
        return new Dataset(List.of("input"), List.of(features), labels, null, null, DEFAULT_PREFETCH);
    }

    /** Several inputs by name, in the map's iteration order (use a LinkedHashMap: that order is the model's input order). */
    public static Dataset of(Map<String, Tensor> namedInputs, Tensor labels) {
        if (namedInputs == null || namedInputs.isEmpty()) {
            throw new IllegalArgumentException("A Dataset needs at least one input. Received: " + namedInputs);
        }
        var copy = new LinkedHashMap<>(namedInputs);
        copy.forEach((name, t) -> {
            if (t == null) throw new IllegalArgumentException("Input '" + name + "' is null");
        });
        return new Dataset(new ArrayList<>(copy.keySet()), new ArrayList<>(copy.values()), labels, null, null, DEFAULT_PREFETCH);
    }

    /** The same samples weighted in the loss: weights [N] or [N, 1]. */
    public Dataset withSampleWeights(Tensor weights) {
        return new Dataset(inputNames, features, labels, weights, transform, prefetch);
    }

    /** The same samples, with {@code batches} prepared ahead on a background thread; 0 prepares each batch on demand. */
    public Dataset withPrefetch(int batches) {
        if (batches < 0) throw new IllegalArgumentException("prefetch must be >= 0. Received: prefetch=" + batches);
        return new Dataset(inputNames, features, labels, sampleWeights, transform, batches);
    }

    /**
     * Applies {@code fn} to every batch, on the prefetch thread, after the one already set. The function may return
     * the batch's own tensors or new ones; tensors it creates in between are freed once it returns, as are the input
     * batch's tensors it does not pass on. {@link #features()} and {@link #labels()} stay the untransformed arrays.
     */
    public Dataset map(UnaryOperator<Batch> fn) {
        if (fn == null) throw new IllegalArgumentException("map needs a function");
        UnaryOperator<Batch> combined = transform == null ? fn : b -> fn.apply(transform.apply(b));
        return new Dataset(inputNames, features, labels, sampleWeights, combined, prefetch);
    }

    // ---- accessors ----

    /** The number of samples N. */
    public long size() { return size; }

    /** The whole inputs [N, ...], in input order. */
    public List<Tensor> features() { return features; }

    /** The labels [N, ...], or null. */
    public Tensor labels() { return labels; }

    /** The per-sample weights, or null. */
    public Tensor sampleWeights() { return sampleWeights; }

    public List<String> inputNames() { return inputNames; }

    /** The number of batches of {@code batchSize}, counting the smaller last one: ceil(N / batchSize). */
    public int batchCount(int batchSize) {
        checkBatchSize(batchSize);
        return Math.toIntExact((size + batchSize - 1) / batchSize);
    }

    // ---- parts ----

    /** Two parts of a dataset, in order. */
    public record Split(Dataset first, Dataset second) {}

    /** The first {@code n} samples (all when n >= N). */
    public Dataset take(long n) {
        if (n < 0) throw new IllegalArgumentException("take needs n >= 0. Received: n=" + n);
        return n >= size ? this : rows(0, n);
    }

    /** Every sample after the first {@code n} (none when n >= N). */
    public Dataset skip(long n) {
        if (n < 0) throw new IllegalArgumentException("skip needs n >= 0. Received: n=" + n);
        return n == 0 ? this : rows(Math.min(n, size), size);
    }

    /** The first floor(N · firstFraction) samples, and the rest; in order, without shuffling. */
    public Split split(double firstFraction) {
        if (!(firstFraction >= 0 && firstFraction <= 1)) {
            throw new IllegalArgumentException("firstFraction must be in [0, 1]. Received: firstFraction=" + firstFraction);
        }
        long at = (long) Math.floor(size * firstFraction);
        return new Split(take(at), skip(at));
    }

    /**
     * Keras's {@code validation_split}: (train, validation), where validation is the last {@code validationFraction}
     * of the samples, taken before any shuffling. Train keeps floor(N · (1 − validationFraction)) samples.
     */
    public Split splitLast(double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in (0, 1). Received: validationFraction=" + validationFraction);
        }
        long at = (long) Math.floor(size * (1.0 - validationFraction));
        if (at == 0 || at == size) {
            throw new IllegalArgumentException("The data has " + size + " samples, which is not enough to split into a training"
                    + " and a validation set with validationFraction=" + validationFraction + ". Provide more data or another fraction.");
        }
        return new Split(take(at), skip(at));
    }

    // ---- batches ----

    /** The batches of one pass, in order. */
    public Batches batches(int batchSize) { return batches(batchSize, false, 0); }

    /** The batches of one pass; when shuffling, the order comes from a seed drawn from {@link Kiln#random()}. */
    public Batches batches(int batchSize, boolean shuffle) {
        return batches(batchSize, shuffle, shuffle ? Kiln.nextSeed() : 0);
    }

    /**
     * The batches of one pass (an epoch): each sample exactly once, in order or in the order of a permutation drawn
     * from {@code new Random(seed)}; the last batch holds the remaining N mod batchSize samples when that is not 0.
     * Each call to {@code iterator()} starts a new pass in the same order and its own prefetch thread.
     */
    public Batches batches(int batchSize, boolean shuffle, long seed) {
        checkBatchSize(batchSize);
        long[] order = LongStream.range(0, size).toArray();
        if (shuffle) shuffle(order, new Random(seed));
        return new Batches(batchCount(batchSize), index -> batch(order, batchSize, index), prefetch);
    }

    /** Fisher–Yates, as {@code Collections.shuffle(list, random)}: position i swaps with a uniform j in [0, i]. */
    static void shuffle(long[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private Batch batch(long[] order, int batchSize, int index) {
        int from = index * batchSize;
        long[] rows = Arrays.copyOfRange(order, from, (int) Math.min(size, (long) from + batchSize));
        var batch = new Batch(index, features.stream().map(t -> t.rows(rows)).toList(), cut(labels, rows), cut(sampleWeights, rows));
        return transform == null ? batch : transformed(batch);
    }

    /**
     * Runs the transform in its own memory scope, so what it computes in between is freed. What it returns is copied
     * out of that scope unless it is one of the input batch's tensors (a returned view of a freed array would dangle);
     * input tensors it drops are freed.
     */
    private Batch transformed(Batch in) {
        Set<Tensor> original = Collections.newSetFromMap(new IdentityHashMap<>());
        original.addAll(List.of(in.tensors()));
        try (var scope = MemoryScope.open()) {
            Batch out = transform.apply(in);
            if (out == null) throw new IllegalStateException("The map function returned null for batch " + in.index());
            UnaryOperator<Tensor> own = t -> t == null || original.contains(t) ? t : t.rows(LongStream.range(0, t.size(0)).toArray());
            Batch owned = new Batch(out.index(), out.inputs().stream().map(own).toList(), own.apply(out.labels()),
                    own.apply(out.sampleWeights()));
            Set<Tensor> kept = Collections.newSetFromMap(new IdentityHashMap<>());
            kept.addAll(List.of(owned.tensors()));
            for (Tensor t : original) if (!kept.contains(t)) MemoryScope.adopt(t);
            return owned;
        }
    }

    private Dataset rows(long from, long to) {
        long[] rows = LongStream.range(from, to).toArray();
        return new Dataset(inputNames, features.stream().map(t -> cut(t, rows)).toList(), cut(labels, rows),
                cut(sampleWeights, rows), transform, prefetch);
    }

    /** A copy of the given rows (ND4J's gather rejects an empty index list, so no rows is an empty array). */
    private static Tensor cut(Tensor t, long[] rows) {
        if (t == null) return null;
        return rows.length == 0 ? Tensor.zeros(t.shape().with(0, 0), t.dtype()) : t.rows(rows);
    }

    private void checkRows(String what, Tensor t) {
        if (t.rank() == 0 || t.size(0) != size) {
            throw new IllegalArgumentException("Every input, the labels and the sample weights need the same number of samples"
                    + " (axis 0). Input '" + inputNames.get(0) + "' has shape " + features.get(0).shape() + "; " + what
                    + " has shape " + t.shape());
        }
    }

    private static void checkBatchSize(int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive. Received: batchSize=" + batchSize);
    }
}
