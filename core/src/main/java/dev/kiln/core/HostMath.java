package dev.kiln.core;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * e^x, the sigmoid, tanh and softmax over Java float arrays, written so that C2 vectorizes them: about 1 ns per
 * element for the sigmoid on this project's 2-core machine, where Math.exp takes 14 ns and ND4J's sigmoid and tanh
 * transforms took half of an LSTM's forward pass. Float32 only; relative error below 1e-7 against Math.exp.
 *
 * <p>e^x = 2ᵏ·p(r) with k = round(x·log₂e), r = x − k·ln 2 (|r| ≤ ½ ln 2) and p a degree-7 polynomial (Cephes'
 * expf coefficients). The first pass computes p(r) and vectorizes; the second scales by 2ᵏ, built from the
 * exponent bits, which C2 does not vectorize, so it runs as its own short scalar loop. Results below 2⁻¹²⁶ flush to
 * zero (so e^−1e9, a masked attention score, is exactly 0), x above 88 gives e^88, and NaN stays NaN.
 *
 * <p>Where the JVM has the Vector API, the same formulas run in {@link VectorMath}, about twice as fast.
 */
final class HostMath {

    private HostMath() {}

    static final float LOG2E = 1.44269504f;
    static final float LN2_HIGH = 0.693359375f;               // ln 2 in two parts, so that k·ln 2 is exact enough
    static final float LN2_LOW = -2.12194440e-4f;
    static final float ROUND = 12582912f;                     // 1.5·2²³: adding it rounds a float to an integer
    static final int ROUND_BITS = 0x4B400000;                 // its bit pattern; k = bits(t + ROUND) − ROUND_BITS
    static final float HIGHEST = 88f;
    static final float LOWEST = -104f;                        // below 2⁻¹⁴⁹ with room: such k flush to zero

    /** Whether the loops run in {@link VectorMath} ({@link #vectorApiUsable}); tests switch it with {@link #useVectorApi}. */
    private static volatile boolean vectorized = vectorApiUsable();

    /** Whether the loops can run in {@link VectorMath}: {@link #vectorApiObstacle} finds nothing in the way. */
    static boolean vectorApiUsable() { return vectorApiObstacle() == null; }

    /**
     * What keeps the loops from {@link VectorMath}, or null when nothing does: the system property
     * {@code kiln.vectorApi} set to {@code false}; a JVM started without {@code --add-modules jdk.incubator.vector};
     * a JIT other than C2, which alone compiles the Vector API's intrinsics (elsewhere each vector is a Java object,
     * and W3's training step took 1,003 ms with them under {@code -XX:TieredStopAtLevel=1} against 21 ms without);
     * or vectors of fewer than 8 floats. VectorMath's class is loaded only after the module is known to be there.
     */
    static String vectorApiObstacle() {
        if ("false".equalsIgnoreCase(System.getProperty("kiln.vectorApi"))) return "kiln.vectorApi=false";
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return "start Java with --add-modules jdk.incubator.vector";
        if (!compilesWithC2()) {
            return "the JVM does not compile with C2, which the Vector API needs: -Xint, -XX:TieredStopAtLevel below 4 or a JVMCI compiler";
        }
        if (!VectorMath.isWorthwhile()) return "this CPU's vectors hold " + VectorMath.lanes() + " floats, fewer than the 8 that pay";
        return null;
    }

    /** Whether HotSpot compiles hot methods with C2: the compiler is on, no JVMCI compiler replaces C2, and tiers reach level 4. */
    private static boolean compilesWithC2() {
        var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (vm == null) return false;                                       // not HotSpot
        return vmOption(vm, "UseCompiler", "true").equals("true") && vmOption(vm, "UseJVMCICompiler", "false").equals("false")
                && (vmOption(vm, "TieredCompilation", "true").equals("false") || vmOption(vm, "TieredStopAtLevel", "4").equals("4"));
    }

    /** A HotSpot flag's value, or {@code absent} where this JVM does not have the flag. */
    private static String vmOption(HotSpotDiagnosticMXBean vm, String name, String absent) {
        try {
            return vm.getVMOption(name).getValue();
        } catch (IllegalArgumentException noSuchFlag) {
            return absent;
        }
    }

    static boolean usesVectorApi() { return vectorized; }

    /** Runs the loops in VectorMath or not; for tests of both. */
    static void useVectorApi(boolean use) {
        if (use && !vectorApiUsable()) throw new IllegalStateException("This JVM cannot run VectorMath: " + vectorApiObstacle());
        vectorized = use;
    }

    /** out[i] = e^x[i] for i in [from, to); out may be x; scratch holds at least {@code to} floats. */
    static void exp(float[] x, float[] out, int from, int to, float[] scratch) {
        if (vectorized) from = VectorMath.exp(x, out, from, to);
        for (int i = from; i < to; i++) {
            float v = Math.max(Math.min(x[i], HIGHEST), LOWEST);
            float t = v * LOG2E + ROUND;
            float k = t - ROUND;
            float r = v - k * LN2_HIGH - k * LN2_LOW;
            float p = 1.9875691500e-4f;
            p = p * r + 1.3981999507e-3f;
            p = p * r + 8.3334519073e-3f;
            p = p * r + 4.1665795894e-2f;
            p = p * r + 1.6666665459e-1f;
            p = p * r + 5.0000001201e-1f;
            out[i] = p * r * r + r + 1f;
            scratch[i] = t;
        }
        for (int i = from; i < to; i++) {
            int exponent = Float.floatToRawIntBits(scratch[i]) - ROUND_BITS + 127;   // k + bias
            out[i] *= exponent > 0 ? Float.intBitsToFloat(exponent << 23) : 0f;            // NaN·0 stays NaN
        }
    }

    /** out[i] = 1 / (1 + e^−x[i]) for i in [from, to); out may be x. */
    static void sigmoid(float[] x, float[] out, int from, int to, float[] scratch) {
        for (int i = from; i < to; i++) out[i] = -x[i];
        exp(out, out, from, to, scratch);
        for (int i = from; i < to; i++) out[i] = 1f / (1f + out[i]);
    }

    /** out[i] = tanh x[i] = 2σ(2x) − 1 for i in [from, to) (absolute error about 1e-7); out may be x. */
    static void tanh(float[] x, float[] out, int from, int to, float[] scratch) {
        for (int i = from; i < to; i++) out[i] = -2f * x[i];
        exp(out, out, from, to, scratch);
        for (int i = from; i < to; i++) out[i] = 2f / (1f + out[i]) - 1f;
    }

    /** Softmax of each row of {@code row} floats in v[0, n), in place, shifted by the row's maximum. */
    static void softmaxRows(float[] v, int n, int row, float[] scratch) {
        boolean vector = vectorized;
        for (int start = 0; start < n; start += row) {
            float max = vector ? VectorMath.max(v, start, start + row) : max(v, start, start + row);
            int i = vector ? VectorMath.shiftAndScale(v, start, start + row, -max, 1f) : start;
            for (; i < start + row; i++) v[i] -= max;
        }
        exp(v, v, 0, n, scratch);
        for (int start = 0; start < n; start += row) {
            float inverse = 1f / sum(v, start, start + row);
            int i = vector ? VectorMath.shiftAndScale(v, start, start + row, 0f, inverse) : start;
            for (; i < start + row; i++) v[i] *= inverse;
        }
    }

    /**
     * The gradient of {@link #softmaxRows}, then a multiplication by factors, in place: g holds the gradient of y' =
     * y·factors and becomes g[i] = y'[i]·g[i] − y[i]·(Σ y'·g over i's row), for each row of {@code row} floats in
     * [0, n). Without factors, {@code scaled} is y itself: (g[i] − Σ y·g)·y[i].
     */
    static void softmaxRowsGrad(float[] y, float[] scaled, float[] g, int n, int row) {
        for (int start = 0; start < n; start += row) {
            float dot = dot(scaled, g, start, start + row);
            for (int i = start; i < start + row; i++) g[i] = scaled[i] * g[i] - y[i] * dot;
        }
    }

    /**
     * The maximum of v[from, to), skipping NaN (a NaN in a softmax row makes the row NaN anyway). A branch, which
     * the running maximum of a row takes only a few times: 0.3-0.4 ns per float here, against 0.5-0.6 for Math.max
     * in four lanes, whose NaN handling costs several instructions each.
     */
    private static float max(float[] v, int from, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) if (v[i] > max) max = v[i];
        return max;
    }

    /*
     * Sums in four independent lanes: C2 keeps a float reduction in order, so one accumulator waits out the
     * latency of every add (4 cycles); four overlap.
     */

    static float sum(float[] v, int from, int to) {
        if (vectorized) return VectorMath.sum(v, from, to);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
        for (; i < to; i++) s0 += v[i];
        return (s0 + s1) + (s2 + s3);
    }

    /** Σ a[i]·b[i] over [from, to), in four lanes like {@link #sum}. */
    static float dot(float[] a, float[] b, int from, int to) {
        if (vectorized) return VectorMath.dot(a, b, from, to);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < to; i++) s0 += a[i] * b[i];
        return (s0 + s1) + (s2 + s3);
    }

    /** Σ (v[i] − mean)² over [from, to), in four lanes like {@link #sum}. */
    static float squaredDeviations(float[] v, int from, int to, float mean) {
        if (vectorized) return VectorMath.squaredDeviations(v, from, to, mean);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            float d0 = v[i] - mean, d1 = v[i + 1] - mean, d2 = v[i + 2] - mean, d3 = v[i + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < to; i++) s0 += (v[i] - mean) * (v[i] - mean);
        return (s0 + s1) + (s2 + s3);
    }

    /** v[start + c] = (v[start + c] − mean)·inverse·gamma[c] + beta[c] for c in [0, width): one row of a layer norm. */
    static void normalizeRow(float[] v, int start, int width, float mean, float inverse, float[] gamma, float[] beta) {
        int c = vectorized ? VectorMath.normalizeRow(v, start, width, mean, inverse, gamma, beta) : 0;
        for (; c < width; c++) v[start + c] = (v[start + c] - mean) * inverse * gamma[c] + beta[c];
    }

    /**
     * The gradient of one {@link #normalizeRow} row, in place in g[start, start + width): with x̂ = (x − mean)·inverse
     * and h = g·gamma, dx = inverse·(h − mean(h) − x̂·mean(h·x̂)), inverse = 1/√(variance + ε); adds g·x̂ to dGamma
     * and g to dBeta; sums is scratch for three floats. One pass takes the row's three sums, Σ(x − mean)², Σh and
     * Σh·(x − mean), side by side, so that their reductions do not wait on one another, and a second pass writes dx.
     * With the variance's sum first and the gradient's two after it, W3's [3200, 32] took 282-309 µs against 199-268.
     */
    static void normalizeRowGrad(float[] x, float[] g, int start, int width, float mean, float epsilon, float[] gamma, float[] dGamma,
                                 float[] dBeta, float[] sums) {
        sums[0] = 0;
        sums[1] = 0;
        sums[2] = 0;
        int c = vectorized ? VectorMath.rowGradientSums(x, g, start, width, mean, gamma, sums) : 0;
        for (; c < width; c++) {
            float d = x[start + c] - mean, h = g[start + c] * gamma[c];
            sums[0] += d * d;
            sums[1] += h;
            sums[2] += h * d;
        }
        float inverse = (float) (1 / Math.sqrt(sums[0] / width + epsilon));
        float meanH = sums[1] / width, meanHx = inverse * sums[2] / width;
        c = vectorized ? VectorMath.normalizedGradient(x, g, start, width, mean, inverse, gamma, meanH, meanHx, dGamma, dBeta) : 0;
        for (; c < width; c++) {
            float gc = g[start + c], normalized = (x[start + c] - mean) * inverse;
            dGamma[c] += gc * normalized;
            dBeta[c] += gc;
            g[start + c] = inverse * (gc * gamma[c] - meanH - normalized * meanHx);
        }
    }
}
