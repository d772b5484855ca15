package dev.kiln.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The factors inverted dropout multiplies float32 values by, drawn on the host from a seed: 1 / (1 − rate) for each
 * value it keeps, 0 for each it drops (as Keras). The draw comes in numbered streams, each its own SplitMix64
 * sequence (the generator of {@link java.util.SplittableRandom}), so that attention's kernel can draw each block's
 * factors where it needs them, on any thread and again in the backward pass, and get the same ones.
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
     * factors[0, n) = the first n factors of stream {@code stream}: SplitMix64's outputs mix(start + i·γ) for i = 1,
     * 2, ..., as {@link java.util.SplittableRandom} makes them, the low then the high 32 bits of each deciding one
     * factor. Each output depends only on its index, so {@link VectorMath#dropoutFactors} computes eight at a time,
     * the same bits: 1.5 µs for one of W3's attention blocks of 10,000 factors, against 10.5 in SplittableRandom's
     * scalar loop.
     */
    void fill(float[] factors, int n, long stream) {
        long start = mix((seed ^ stream * GAMMA) + GAMMA);              // the stream's seed: SplitMix64 once more
        int i = HostMath.usesVectorApi() ? VectorMath.dropoutFactors(factors, n, start, dropBelow, scaleBits) : 0;
        for (; i < n; i += 2) {
            long draw = mix(start + (i / 2 + 1) * GAMMA);
            factors[i] = factor(draw);
            if (i + 1 < n) factors[i + 1] = factor(draw >>> 32);
        }
    }

    /** SplitMix64's increment, the golden ratio's 64 bits (SplittableRandom's default gamma). */
    static final long GAMMA = 0x9E3779B97F4A7C15L;

    /** SplitMix64's output function (Stafford's variant 13), as SplittableRandom's mix64. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The scale's float when the low 32 bits of {@code bits}, unsigned, reach the threshold; else +0. No branch: one
     * on random bits is mispredicted at every tenth value.
     */
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
