package dev.kiln.core;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The factors inverted dropout multiplies a float32 tensor by, drawn on the host: 1 / (1 − rate) for each element it
 * keeps, 0 for each it drops (as Keras). Drawn from a seed with {@link SplittableRandom}.
 *
 * <p>Why not ND4J's Bernoulli op: with its scale and multiply it cost 1 ms for W3's [32, 100, 32] activations, a tenth
 * of W3's training step for its two dropout layers. Floats rather than bits let the multiplications run in vector
 * lanes: bit tests took 2 ns an element, and attention's kernel applies its factors three times per weight and step.
 */
final class DropoutMask {

    private final float[] factors;

    private DropoutMask(float[] factors) { this.factors = factors; }

    /**
     * Keeps each of {@code count} elements with probability 1 − rate, from 32 random bits each, without branches: a
     * branch on random bits is mispredicted at every tenth element (a third of the draw's time), as was converting
     * each decision to a float and multiplying.
     */
    static DropoutMask draw(long seed, int count, double rate) {
        var random = new SplittableRandom(seed);
        long dropBelow = (long) (rate * 0x1p32);              // an element is kept when its 32 bits, unsigned, reach this
        int scale = Float.floatToRawIntBits((float) (1 / (1 - rate)));
        float[] factors = new float[count];
        int pairs = count & ~1;
        for (int i = 0; i < pairs; i += 2) {
            long draw = random.nextLong();
            factors[i] = factor(draw, dropBelow, scale);
            factors[i + 1] = factor(draw >>> 32, dropBelow, scale);
        }
        if (pairs < count) factors[pairs] = factor(random.nextLong(), dropBelow, scale);
        return new DropoutMask(factors);
    }

    /** The float with bits {@code scale} when the low 32 bits of {@code bits}, unsigned, reach {@code dropBelow}; else +0. */
    private static float factor(long bits, long dropBelow, int scale) {
        int dropped = (int) ((bits & 0xFFFFFFFFL) - dropBelow >>> 63);     // 1 below the threshold, else 0
        return Float.intBitsToFloat(scale & (dropped - 1));
    }

    /** Whether element {@code index} (in row-major order) is kept. */
    boolean kept(int index) { return factors[index] != 0; }

    /** v[i] for i in [0, n), the elements from index {@code first} on, times their factors. */
    void apply(float[] v, int n, int first) {
        for (int i = 0; i < n; i++) v[i] *= factors[first + i];
    }

    /**
     * The factors as a float32 array of {@code shape}, whose size is the count drawn: one bulk copy (ND4J's create from
     * a float[] took as long as the draw).
     */
    INDArray toArray(long[] shape) {
        INDArray array = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        array.data().asNioFloat().put(factors);
        return array;
    }
}
