package dev.kiln.core;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The factors inverted dropout multiplies float32 values by, drawn on the host from a seed: 1 / (1 − rate) for each
 * value it keeps, 0 for each it drops (as Keras). The draw comes in numbered streams, each from its own
 * {@link SplittableRandom}, so that attention's kernel can draw each block's factors where it needs them, on any
 * thread and again in the backward pass, and get the same ones.
 *
 * <p>Why not ND4J's Bernoulli op: with its scale and multiply it cost 1 ms for W3's [32, 100, 32] activations, a tenth
 * of W3's training step for its two dropout layers.
 */
final class DropoutDraw {

    private final long seed;
    private final long dropBelow;       // a value is kept when its 32 random bits, unsigned, reach this
    private final int scaleBits;

    DropoutDraw(long seed, double rate) {
        this.seed = seed;
        this.dropBelow = (long) (rate * 0x1p32);
        this.scaleBits = Float.floatToRawIntBits((float) (1 / (1 - rate)));
    }

    /** A draw from {@code seed}, or when it is null from a seed that Kiln's global generator (ND4J's, Kiln.seed) draws. */
    static DropoutDraw seeded(Long seed, double rate) {
        return new DropoutDraw(seed != null ? seed : Nd4j.getRandom().nextLong(), rate);
    }

    /**
     * factors[0, n) = the first n factors of stream {@code stream}, from 32 random bits each, without branches: a
     * branch on random bits is mispredicted at every tenth value (a third of the draw's time), as was converting each
     * decision to a float and multiplying.
     */
    void fill(float[] factors, int n, long stream) {
        var random = new SplittableRandom(new SplittableRandom(seed ^ stream * 0x9E3779B97F4A7C15L).nextLong());
        int pairs = n & ~1;
        for (int i = 0; i < pairs; i += 2) {
            long draw = random.nextLong();
            factors[i] = factor(draw);
            factors[i + 1] = factor(draw >>> 32);
        }
        if (pairs < n) factors[pairs] = factor(random.nextLong());
    }

    /** The scale's float when the low 32 bits of {@code bits}, unsigned, reach the threshold; else +0. */
    private float factor(long bits) {
        int dropped = (int) ((bits & 0xFFFFFFFFL) - dropBelow >>> 63);     // 1 below the threshold, else 0
        return Float.intBitsToFloat(scaleBits & (dropped - 1));
    }

    /** Stream 0 as a float32 array of {@code shape}, whose size must fit an int: one bulk copy of the factors. */
    INDArray factors(long[] shape) {
        float[] factors = new float[Math.toIntExact(Shape.of(shape).size())];
        fill(factors, factors.length, 0);
        INDArray array = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        array.data().asNioFloat().put(factors);           // ND4J's create from a float[] took as long as the draw
        return array;
    }
}
