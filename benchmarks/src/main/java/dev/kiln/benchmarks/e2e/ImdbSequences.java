package dev.kiln.benchmarks.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.zip.GZIPInputStream;

/**
 * Reads Keras's pre-tokenized IMDB reviews ({@code keras_train.tsv.gz}, {@code keras_test.tsv.gz} in
 * shared/data/imdb) as {@code keras.datasets.imdb.load_data(num_words=numWords)} returns them, then pads and
 * truncates them like {@code pad_sequences(maxlen=length, padding="post", truncating="post")}.
 *
 * <p>Each line of the file is {@code label<TAB>rank rank ...}, rank 1 being the most frequent word. Keras's
 * conventions: a sequence starts with 1, a word of rank r becomes r + 3 ({@code index_from=3}), and any value
 * {@code >= numWords} becomes the out-of-vocabulary id 2. Padding is 0.
 *
 * <p>This mirrors kiln-data's {@code Imdb.loadData}; the benchmarks keep their own copy so the peers can run
 * before that module is merged.
 */
public final class ImdbSequences {

    static final int START = 1;
    static final int OOV = 2;
    static final int INDEX_FROM = 3;

    private ImdbSequences() {}

    public static Sequences load(Path file, int numWords, int length) throws IOException {
        var tokens = new ArrayList<int[]>();
        var labels = new ArrayList<Integer>();
        try (var reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                int tab = line.indexOf('\t');
                if (tab < 0) throw new IOException(file + " line " + (labels.size() + 1) + " has no TAB: " + line);
                labels.add(Integer.parseInt(line.substring(0, tab)));
                tokens.add(row(line.substring(tab + 1).split(" "), numWords, length));
            }
        }
        int[] flat = new int[tokens.size() * length];
        for (int i = 0; i < tokens.size(); i++) System.arraycopy(tokens.get(i), 0, flat, i * length, length);
        return new Sequences(flat, labels.stream().mapToInt(Integer::intValue).toArray(), length);
    }

    /** [start, rank + 3 or OOV, ...], truncated after {@code length} values and padded with 0 after the end. */
    static int[] row(String[] ranks, int numWords, int length) {
        int[] row = new int[length];
        row[0] = START;
        for (int i = 0; i < ranks.length && i + 1 < length; i++) {
            int id = Integer.parseInt(ranks[i]) + INDEX_FROM;
            row[i + 1] = id < numWords ? id : OOV;
        }
        return row;
    }
}
