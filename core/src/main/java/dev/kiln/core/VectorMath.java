package dev.kiln.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HostMath}'s loops in the JDK's Vector API, for JVMs started with {@code --add-modules jdk.incubator.vector}
 * ({@link HostMath} checks, and never touches this class otherwise). C2 vectorizes only part of HostMath's plain
 * loops: not e^x's 2ᵏ scaling, which needs the float's bits, and not the reductions and per-row loops over short rows
 * (a layer norm's 32 features, attention's 100 keys). Here every lane is explicit: softmax over rows of 100 took 0.9
 * ns a float against 1.8. Same formulas as HostMath (its e^x: Cephes' polynomial, the clamp to [−104, 88], the flush
 * below 2⁻¹²⁶, NaN kept). Masked vector loads are slow in Java 17, so tails shorter than a vector run scalar: the
 * element-wise loops cover whole vectors and return where HostMath's scalar loop takes over; the reductions add
 * their tails themselves.
 */
final class VectorMath {

    private VectorMath() {}

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = FLOATS.length();

    /** Whether the vectors are wide enough to pay (8 floats or more: AVX2, AVX-512, SVE); narrower ones lose to C2's loops. */
    static boolean isWorthwhile() { return LANES >= 8; }

    /** out[i] = e^x[i] for i in [from, from + a whole number of vectors); returns where the scalar tail starts. */
    static int exp(float[] x, float[] out, int from, int to) {
        int end = from + FLOATS.loopBound(to - from);
        for (int i = from; i < end; i += LANES) exp(FloatVector.fromArray(FLOATS, x, i)).intoArray(out, i);
        return end;
    }

    /** e^v lane by lane, as HostMath's scalar loops compute it. */
    private static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(HostMath.LOWEST).min(HostMath.HIGHEST);        // NaN stays NaN through both
        FloatVector t = v.mul(HostMath.LOG2E).add(HostMath.ROUND);
        FloatVector k = t.sub(HostMath.ROUND);
        FloatVector r = v.sub(k.mul(HostMath.LN2_HIGH)).sub(k.mul(HostMath.LN2_LOW));
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
        p = p.mul(r).add(8.3334519073e-3f);
        p = p.mul(r).add(4.1665795894e-2f);
        p = p.mul(r).add(1.6666665459e-1f);
        p = p.mul(r).add(5.0000001201e-1f);
        FloatVector polynomial = p.mul(r).mul(r).add(r).add(1f);
        IntVector exponent = t.reinterpretAsInts().sub(HostMath.ROUND_BITS - 127);           // k + bias
        VectorMask<Integer> normal = exponent.compare(VectorOperators.GT, 0);
        FloatVector scale = exponent.lanewise(VectorOperators.LSHL, 23).blend(0, normal.not()).reinterpretAsFloats();
        return polynomial.mul(scale);                                                      // NaN·0 stays NaN
    }

    /** The maximum of v[from, to), or NaN when a NaN is among them (a softmax row with NaN is NaN either way). */
    static float max(float[] v, int from, int to) {
        int i = from, end = from + FLOATS.loopBound(to - from);
        float max = Float.NEGATIVE_INFINITY;
        if (end > from) {
            FloatVector lanes = FloatVector.fromArray(FLOATS, v, i);
            for (i += LANES; i < end; i += LANES) lanes = lanes.max(FloatVector.fromArray(FLOATS, v, i));
            max = lanes.reduceLanes(VectorOperators.MAX);
        }
        for (; i < to; i++) max = Math.max(max, v[i]);
        return max;
    }

    static float sum(float[] v, int from, int to) {
        int i = from, end = from + FLOATS.loopBound(to - from);
        FloatVector lanes = FloatVector.zero(FLOATS);
        for (; i < end; i += LANES) lanes = lanes.add(FloatVector.fromArray(FLOATS, v, i));
        float sum = lanes.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) sum += v[i];
        return sum;
    }

    static float dot(float[] a, float[] b, int from, int to) {
        int i = from, end = from + FLOATS.loopBound(to - from);
        FloatVector lanes = FloatVector.zero(FLOATS);
        for (; i < end; i += LANES) lanes = FloatVector.fromArray(FLOATS, a, i).fma(FloatVector.fromArray(FLOATS, b, i), lanes);
        float dot = lanes.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) dot += a[i] * b[i];
        return dot;
    }

    static float squaredDeviations(float[] v, int from, int to, float mean) {
        int i = from, end = from + FLOATS.loopBound(to - from);
        FloatVector lanes = FloatVector.zero(FLOATS);
        for (; i < end; i += LANES) {
            FloatVector d = FloatVector.fromArray(FLOATS, v, i).sub(mean);
            lanes = d.fma(d, lanes);
        }
        float sum = lanes.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) sum += (v[i] - mean) * (v[i] - mean);
        return sum;
    }

    /** v[i] = (v[i] + shift)·scale over whole vectors of [from, to); returns where the scalar tail starts. */
    static int shiftAndScale(float[] v, int from, int to, float shift, float scale) {
        int end = from + FLOATS.loopBound(to - from);
        for (int i = from; i < end; i += LANES) FloatVector.fromArray(FLOATS, v, i).add(shift).mul(scale).intoArray(v, i);
        return end;
    }

    /** HostMath.normalizeRow over whole vectors of the row; returns the column where the scalar tail starts. */
    static int normalizeRow(float[] v, int start, int width, float mean, float inverse, float[] gamma, float[] beta) {
        int end = FLOATS.loopBound(width);
        for (int c = 0; c < end; c += LANES) {
            FloatVector x = FloatVector.fromArray(FLOATS, v, start + c).sub(mean).mul(inverse);
            x.fma(FloatVector.fromArray(FLOATS, gamma, c), FloatVector.fromArray(FLOATS, beta, c)).intoArray(v, start + c);
        }
        return end;
    }

    /**
     * HostMath.normalizeRowGrad's first pass over whole vectors: adds Σ(x − mean)², Σh and Σh·(x − mean), h = g·gamma,
     * to sums[0], sums[1] and sums[2]. Returns the column where the scalar tail starts.
     */
    static int rowGradientSums(float[] x, float[] g, int start, int width, float mean, float[] gamma, float[] sums) {
        int end = FLOATS.loopBound(width);
        FloatVector squares = FloatVector.zero(FLOATS), hs = squares, products = squares;
        for (int c = 0; c < end; c += LANES) {
            FloatVector d = FloatVector.fromArray(FLOATS, x, start + c).sub(mean);
            FloatVector h = FloatVector.fromArray(FLOATS, g, start + c).mul(FloatVector.fromArray(FLOATS, gamma, c));
            squares = d.fma(d, squares);
            hs = hs.add(h);
            products = h.fma(d, products);
        }
        sums[0] += squares.reduceLanes(VectorOperators.ADD);
        sums[1] += hs.reduceLanes(VectorOperators.ADD);
        sums[2] += products.reduceLanes(VectorOperators.ADD);
        return end;
    }

    /**
     * HostMath.normalizeRowGrad's second pass over whole vectors: with x̂ = (x − mean)·inverse, adds g·x̂ to dGamma and
     * g to dBeta, and writes g[start + c] = inverse·(g·gamma − meanH − x̂·meanHx). Returns the column where the scalar
     * tail starts.
     */
    static int normalizedGradient(float[] x, float[] g, int start, int width, float mean, float inverse, float[] gamma, float meanH,
                                  float meanHx, float[] dGamma, float[] dBeta) {
        int end = FLOATS.loopBound(width);
        for (int c = 0; c < end; c += LANES) {
            FloatVector gc = FloatVector.fromArray(FLOATS, g, start + c);
            FloatVector normalized = FloatVector.fromArray(FLOATS, x, start + c).sub(mean).mul(inverse);
            gc.fma(normalized, FloatVector.fromArray(FLOATS, dGamma, c)).intoArray(dGamma, c);
            gc.add(FloatVector.fromArray(FLOATS, dBeta, c)).intoArray(dBeta, c);
            gc.mul(FloatVector.fromArray(FLOATS, gamma, c)).sub(meanH).sub(normalized.mul(meanHx)).mul(inverse).intoArray(g, start + c);
        }
        return end;
    }

    /** Filters are padded to a multiple of this for {@link #convolveRows}: one vector of floats. */
    static int lanes() { return LANES; }

    /**
     * A convolution read straight from its input, without im2col: out[m − from, 0:f) = bias + Σ_k x[start(m) + k]·w[k,
     * 0:f) for output rows m in [from, to), where row m = b·outSteps + t starts at x[(b·steps + t·stride)·channels] and
     * its window is {@code width} consecutive floats (dilation 1, padding already in x). w [width, f] and bias [f] are
     * padded to f, a multiple of the lanes; out holds (to − from) rows of f.
     *
     * <p>Four rows and two vectors of filters at a time: eight accumulators stay in registers, each weight vector is
     * loaded once for four rows and each input float broadcast once for two vectors. W1's [24576, 80]·[80, 32] ran at
     * 110 GFLOP/s on one core here, against OpenBLAS's 65 for the same product from im2col's columns.
     */
    static void convolveRows(float[] x, int steps, int channels, int stride, int outSteps, int width, float[] w, float[] bias, int f,
                             float[] out, int from, int to) {
        int rowStride = stride * channels;
        for (int m = from; m < to; ) {
            int start = ((m / outSteps) * steps + (m % outSteps) * stride) * channels, o = (m - from) * f;
            if (m + 4 <= to && m % outSteps + 4 <= outSteps) {            // four rows of one sequence: one base, a fixed stride
                int c = 0;
                for (; c + 2 * LANES <= f; c += 2 * LANES) fourRowsTwoVectors(width, x, start, rowStride, 1, w, c, f, bias, c, out, o + c, f);
                for (; c < f; c += LANES) {
                    for (int r = 0; r < 4; r++) oneRowOneVector(width, x, start + r * rowStride, 1, w, c, f, bias, c).intoArray(out, o + r * f + c);
                }
                m += 4;
            } else {
                for (int c = 0; c < f; c += LANES) oneRowOneVector(width, x, start, 1, w, c, f, bias, c).intoArray(out, o + c);
                m++;
            }
        }
    }

    /**
     * c[cOffset + i·ldc + j] = Σ_p a[aOffset + i·aRow + p·aCol]·b[bOffset + p·ldb + j] for i < m, j < n, p < k: a GEMM
     * on the heap whose left operand is read at any strides (aCol = 1 as stored, aRow = 1 transposed) and whose right
     * operand's rows are read in whole vectors. When n is not a multiple of the lanes, the last vector of each row of
     * b reads past column n (b must hold a vector past its last row's start) and only n's columns reach c.
     *
     * <p>Four rows by two vectors at a time, the tile {@link #convolveRows} uses too: eight accumulators in registers.
     * At the Dense layers' shapes ([3200, 32]·[32, 32], each way the gradient takes it) it ran at 90-100 GFLOP/s on one
     * core here, against OpenBLAS's 47-55.
     */
    static void gemm(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, float[] b, int bOffset, int ldb, float[] c,
                     int cOffset, int ldc) {
        gemm(m, n, k, a, aOffset, aRow, aCol, b, bOffset, ldb, null, c, cOffset, ldc);
    }

    /**
     * {@link #gemm(int, int, int, float[], int, int, int, float[], int, int, float[], int, int)} plus bias[j] in every
     * row (none when null), started in the accumulators instead of added in a pass of its own. The bias, like b's
     * rows, is read in whole vectors: it holds n floats rounded up to a multiple of the lanes.
     */
    static void gemm(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, float[] b, int bOffset, int ldb, float[] bias,
                     float[] c, int cOffset, int ldc) {
        int whole = n - n % LANES;
        float[] tail = whole < n ? new float[4 * LANES] : null, init = bias == null ? ZEROS : bias;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int aAt = aOffset + i * aRow, cAt = cOffset + i * ldc, j = 0;
            for (; j + 2 * LANES <= whole; j += 2 * LANES) {
                fourRowsTwoVectors(k, a, aAt, aRow, aCol, b, bOffset + j, ldb, init, bias == null ? 0 : j, c, cAt + j, ldc);
            }
            for (; j < whole; j += LANES) fourRowsOneVector(k, a, aAt, aRow, aCol, b, bOffset + j, ldb, init, bias == null ? 0 : j, c, cAt + j, ldc);
            if (j < n) {
                fourRowsOneVector(k, a, aAt, aRow, aCol, b, bOffset + j, ldb, init, bias == null ? 0 : j, tail, 0, LANES);
                for (int r = 0; r < 4; r++) System.arraycopy(tail, r * LANES, c, cAt + r * ldc + j, n - j);
            }
        }
        for (; i < m; i++) {
            int aAt = aOffset + i * aRow, cAt = cOffset + i * ldc, j = 0;
            for (; j < whole; j += LANES) oneRowOneVector(k, a, aAt, aCol, b, bOffset + j, ldb, init, bias == null ? 0 : j).intoArray(c, cAt + j);
            if (j < n) {
                oneRowOneVector(k, a, aAt, aCol, b, bOffset + j, ldb, init, bias == null ? 0 : j).intoArray(tail, 0);
                System.arraycopy(tail, 0, c, cAt + j, n - j);
            }
        }
    }

    /** Two vectors of zeros: the initial row of a product without a bias, read at 0 for every column. */
    private static final float[] ZEROS = new float[2 * LANES];

    /**
     * Four rows by two vectors of c = init + a·b, at c[cAt + r·ldc + j], with init[initAt + j] starting every row
     * (a bias, or {@link #ZEROS}): the rows of a are aRow apart from one base, which lets C2 check one index range
     * per step of p; the direct convolution ran at 92 GFLOP/s against 76-86 with four independent row starts.
     */
    private static void fourRowsTwoVectors(int k, float[] a, int aAt, int aRow, int aCol, float[] b, int bAt, int ldb, float[] init,
                                           int initAt, float[] c, int cAt, int ldc) {
        FloatVector c00 = FloatVector.fromArray(FLOATS, init, initAt), c01 = FloatVector.fromArray(FLOATS, init, initAt + LANES);
        FloatVector c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
        for (int p = 0; p < k; p++) {
            int bp = bAt + p * ldb, ap = aAt + p * aCol;
            FloatVector b0 = FloatVector.fromArray(FLOATS, b, bp), b1 = FloatVector.fromArray(FLOATS, b, bp + LANES);
            FloatVector a0 = FloatVector.broadcast(FLOATS, a[ap]), a1 = FloatVector.broadcast(FLOATS, a[ap + aRow]);
            FloatVector a2 = FloatVector.broadcast(FLOATS, a[ap + 2 * aRow]), a3 = FloatVector.broadcast(FLOATS, a[ap + 3 * aRow]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + LANES);
        c10.intoArray(c, cAt + ldc);
        c11.intoArray(c, cAt + ldc + LANES);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + LANES);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + LANES);
    }

    private static void fourRowsOneVector(int k, float[] a, int aAt, int aRow, int aCol, float[] b, int bAt, int ldb, float[] init,
                                          int initAt, float[] c, int cAt, int ldc) {
        FloatVector c0 = FloatVector.fromArray(FLOATS, init, initAt), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < k; p++) {
            int ap = aAt + p * aCol;
            FloatVector b0 = FloatVector.fromArray(FLOATS, b, bAt + p * ldb);
            c0 = FloatVector.broadcast(FLOATS, a[ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(FLOATS, a[ap + aRow]).fma(b0, c1);
            c2 = FloatVector.broadcast(FLOATS, a[ap + 2 * aRow]).fma(b0, c2);
            c3 = FloatVector.broadcast(FLOATS, a[ap + 3 * aRow]).fma(b0, c3);
        }
        c0.intoArray(c, cAt);
        c1.intoArray(c, cAt + ldc);
        c2.intoArray(c, cAt + 2 * ldc);
        c3.intoArray(c, cAt + 3 * ldc);
    }

    private static FloatVector oneRowOneVector(int k, float[] a, int aAt, int aCol, float[] b, int bAt, int ldb, float[] init, int initAt) {
        FloatVector sum = FloatVector.fromArray(FLOATS, init, initAt);
        for (int p = 0; p < k; p++) sum = FloatVector.broadcast(FLOATS, a[aAt + p * aCol]).fma(FloatVector.fromArray(FLOATS, b, bAt + p * ldb), sum);
        return sum;
    }

    /** ND4J's arrays hold their floats in the machine's byte order. */
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /**
     * {@link #maxOfRows(float[], int, int, int, HostLoops.RowSource, float[])} between native arrays, read and
     * written where they lie: out's row r gets the maximum over passes p of in's row source(r, p), rows of
     * {@code width} floats, a whole number of vectors. No heap copies of either array: max pooling [128, 96, 32] →
     * [128, 48, 32] (a part of W1's prediction) took 89-91 µs this way against 146-152 through the heap.
     */
    static void maxOfRows(ByteBuffer in, int rows, int width, int passes, HostLoops.RowSource source, ByteBuffer out) {
        int rowBytes = width * Float.BYTES, vectorBytes = LANES * Float.BYTES;
        for (int r = 0; r < rows; r++) {
            int first = source.row(r, 0) * rowBytes, at = r * rowBytes;
            for (int c = 0; c < rowBytes; c += vectorBytes) {
                FloatVector max = FloatVector.fromByteBuffer(FLOATS, in, first + c, NATIVE);
                for (int p = 1; p < passes; p++) max = max.max(FloatVector.fromByteBuffer(FLOATS, in, source.row(r, p) * rowBytes + c, NATIVE));
                max.intoByteBuffer(out, at + c, NATIVE);
            }
        }
    }

    /**
     * out's row i = table's row ids[i], native arrays read and written where they lie, rows of {@code width} floats,
     * a whole number of vectors: the embedding's gather without a heap copy of the whole table ([32, 100] tokens of
     * a [10000, 32] table: 33 µs against 65).
     */
    static void gatherRows(ByteBuffer table, long[] ids, int width, ByteBuffer out) {
        int rowBytes = width * Float.BYTES, vectorBytes = LANES * Float.BYTES;
        for (int i = 0; i < ids.length; i++) {
            int from = (int) ids[i] * rowBytes, to = i * rowBytes;
            for (int c = 0; c < rowBytes; c += vectorBytes) FloatVector.fromByteBuffer(FLOATS, table, from + c, NATIVE).intoByteBuffer(out, to + c, NATIVE);
        }
    }

    /**
     * out's row ids[i] += g's row i for each i in turn, native arrays read and written where they lie, rows of
     * {@code width} floats, a whole number of vectors: the embedding's gradient, repeated ids adding up in order.
     */
    static void addRows(ByteBuffer g, long[] ids, int width, ByteBuffer out) {
        int rowBytes = width * Float.BYTES, vectorBytes = LANES * Float.BYTES;
        for (int i = 0; i < ids.length; i++) {
            int from = i * rowBytes, to = (int) ids[i] * rowBytes;
            for (int c = 0; c < rowBytes; c += vectorBytes) {
                FloatVector.fromByteBuffer(FLOATS, out, to + c, NATIVE).add(FloatVector.fromByteBuffer(FLOATS, g, from + c, NATIVE))
                        .intoByteBuffer(out, to + c, NATIVE);
            }
        }
    }

    /**
     * maxima[r·width + c] = the maximum over passes p of in[source.row(r, p)·width + c], as Math.max (NaN wins), for
     * the columns of whole vectors; returns the column where the rest of each row starts. Max pooling's and a
     * reduce-max's rows, compared where they lie: HostLoops' plain loops copy them in line first, since C2 vectorizes
     * a maximum only at equal indices.
     */
    static int maxOfRows(float[] in, int rows, int width, int passes, HostLoops.RowSource source, float[] maxima) {
        int end = FLOATS.loopBound(width);
        for (int r = 0; r < rows; r++) {
            int first = source.row(r, 0) * width;
            for (int c = 0; c < end; c += LANES) {
                FloatVector max = FloatVector.fromArray(FLOATS, in, first + c);
                for (int p = 1; p < passes; p++) max = max.max(FloatVector.fromArray(FLOATS, in, source.row(r, p) * width + c));
                max.intoArray(maxima, r * width + c);
            }
        }
        return end;
    }

    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

    /**
     * {@link DropoutDraw#fill}'s factors for whole vectors of outputs: lane j of a step holds SplitMix64's output
     * number i + j + 1, mix(start + (i + j + 1)·γ), and its two 32-bit halves, read as the int lanes they already
     * are, decide two factors (kept: unsigned bits ≥ dropBelow, compared with the sign bit flipped). Returns how many
     * factors were written, an even number; the scalar loop continues from there with the same outputs.
     */
    static int dropoutFactors(float[] factors, int n, long start, long dropBelow, int scaleBits) {
        int longLanes = LONGS.length(), step = 2 * longLanes, end = n - n % step;
        long[] counts = new long[longLanes];
        for (int j = 0; j < longLanes; j++) counts[j] = j + 1;
        LongVector z = LongVector.fromArray(LONGS, counts, 0).mul(DropoutDraw.GAMMA).add(start);
        LongVector advance = LongVector.broadcast(LONGS, longLanes * DropoutDraw.GAMMA);
        int threshold = (int) (dropBelow - (1L << 31));
        IntVector zeros = LongVector.zero(LONGS).reinterpretAsInts();
        for (int i = 0; i < end; i += step) {
            LongVector bits = z.lanewise(VectorOperators.LSHR, 30).lanewise(VectorOperators.XOR, z).mul(0xBF58476D1CE4E5B9L);
            bits = bits.lanewise(VectorOperators.LSHR, 27).lanewise(VectorOperators.XOR, bits).mul(0x94D049BB133111EBL);
            bits = bits.lanewise(VectorOperators.LSHR, 31).lanewise(VectorOperators.XOR, bits);
            IntVector halves = bits.reinterpretAsInts();
            VectorMask<Integer> kept = halves.lanewise(VectorOperators.XOR, Integer.MIN_VALUE).compare(VectorOperators.GE, threshold);
            zeros.blend(scaleBits, kept).reinterpretAsFloats().intoArray(factors, i);
            z = z.add(advance);
        }
        return end;
    }
}
