package dev.kiln.data;

import dev.kiln.core.Tensor;
import java.util.Arrays;
import java.util.List;

/** Keras's {@code pad_sequences}: variable-length integer sequences to one rectangular array. */
public final class Sequences {

    /** Where padding goes: before the sequence (Keras's default) or after it. */
    public enum Padding { PRE, POST }

    /** Which end a too-long sequence loses: the start (Keras's default, keeping the last maxlen) or the end. */
    public enum Truncating { PRE, POST }

    private Sequences() {}

    /**
     * Pads or truncates every sequence to {@code maxlen}, as Keras's
     * {@code pad_sequences(sequences, maxlen, padding, truncating, value)}.
     *
     * <p>Shapes: N sequences of any lengths → [N, maxlen]. A sequence longer than maxlen loses its first entries
     * (PRE) or its last ones (POST); a shorter one gets {@code value} before it (PRE) or after it (POST).
     *
     * @param maxlen the length of every row; null means the longest sequence's length
     */
    public static int[][] pad(List<int[]> sequences, Integer maxlen, Padding padding, Truncating truncating, int value) {
        if (sequences == null) throw new IllegalArgumentException("sequences must not be null");
        if (padding == null || truncating == null) throw new IllegalArgumentException("padding and truncating must not be null");
        if (maxlen != null && maxlen < 0) throw new IllegalArgumentException("maxlen must be >= 0. Received: maxlen=" + maxlen);
        int length = maxlen != null ? maxlen : sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        int[][] out = new int[sequences.size()][length];
        for (int i = 0; i < out.length; i++) {
            int[] s = sequences.get(i);
            if (s == null) throw new IllegalArgumentException("Sequence " + i + " is null");
            int n = Math.min(s.length, length);
            int from = truncating == Truncating.PRE ? s.length - n : 0;         // the part of s that is kept
            int to = padding == Padding.PRE ? length - n : 0;                   // where it goes in the row
            Arrays.fill(out[i], value);
            System.arraycopy(s, from, out[i], to, n);
        }
        return out;
    }

    /** {@link #pad(List, Integer, Padding, Truncating, int)} with Keras's defaults: pre, pre, value 0. */
    public static int[][] pad(List<int[]> sequences, int maxlen) {
        return pad(sequences, maxlen, Padding.PRE, Truncating.PRE, 0);
    }

    /** Rows of one length as an int32 tensor [N, L]. */
    public static Tensor toTensor(int[][] rows) {
        int length = rows.length == 0 ? 0 : rows[0].length;
        int[] flat = new int[Math.multiplyExact(rows.length, length)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != length) {
                throw new IllegalArgumentException("toTensor needs rows of one length (pad them first). Row 0 has " + length
                        + " entries; row " + i + " has " + rows[i].length);
            }
            System.arraycopy(rows[i], 0, flat, i * length, length);
        }
        return Tensor.of(flat, rows.length, length);
    }
}
