package dev.kiln.benchmarks.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Token sequences of one length with 0/1 labels: {@code tokens} is [count, length], row-major.
 *
 * <p>The runner writes each set once as two raw little-endian int32 files, {@code NAME.tokens.i32} and
 * {@code NAME.labels.i32}, and every framework's process reads those same files, so all train on identical data.
 */
public record Sequences(int[] tokens, int[] labels, int length) {

    public Sequences {
        if (length <= 0 || tokens.length != labels.length * length) {
            throw new IllegalArgumentException("tokens must hold labels.length * length values. Received: "
                    + tokens.length + " tokens, " + labels.length + " labels, length " + length);
        }
    }

    public int count() { return labels.length; }

    /** Seeded random tokens in [1, vocabularySize) and random 0/1 labels. */
    public static Sequences synthetic(int count, int length, int vocabularySize, long seed) {
        var random = new SplittableRandom(seed);
        int[] tokens = random.ints((long) count * length, 1, vocabularySize).toArray();
        int[] labels = random.ints(count, 0, 2).toArray();
        return new Sequences(tokens, labels, length);
    }

    /** The tokens of the given rows, [rows.length, length] row-major. */
    public int[] tokens(int[] rows) {
        int[] out = new int[rows.length * length];
        for (int i = 0; i < rows.length; i++) System.arraycopy(tokens, rows[i] * length, out, i * length, length);
        return out;
    }

    /** The labels of the given rows. */
    public int[] labels(int[] rows) { return Arrays.stream(rows).map(row -> labels[row]).toArray(); }

    public void write(Path directory, String name) throws IOException {
        Files.write(directory.resolve(name + ".tokens.i32"), littleEndian(tokens));
        Files.write(directory.resolve(name + ".labels.i32"), littleEndian(labels));
    }

    public static Sequences read(Path directory, String name, int length) throws IOException {
        return new Sequences(readInts(directory.resolve(name + ".tokens.i32")),
                readInts(directory.resolve(name + ".labels.i32")), length);
    }

    static byte[] littleEndian(int[] values) {
        var buffer = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asIntBuffer().put(values);
        return buffer.array();
    }

    static int[] readInts(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % Integer.BYTES != 0) {
            throw new IOException(file + " should hold int32 values, but its size is " + bytes.length + " bytes");
        }
        int[] values = new int[bytes.length / Integer.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
        return values;
    }
}
