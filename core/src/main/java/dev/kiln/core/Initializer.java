package dev.kiln.core;

import java.util.Random;

/**
 * How a weight's first values are drawn, as Keras 3's initializers (same names, defaults and formulas). A closed
 * set of records, so a saved model can name each one; the draws come from Kiln's seeded generator
 * ({@link Kiln#seed(long)}).
 *
 * <p>Fans follow Keras: for a kernel of shape [..., in, out] with receptive field r (the product of the leading
 * axes), fanIn = in·r and fanOut = out·r.
 */
public sealed interface Initializer {

    /** The initial values for a weight of {@code shape}, in row-major order. */
    double[] values(Shape shape);

    /** The Keras name of this initializer, e.g. "glorot_uniform". */
    String kerasName();

    static Initializer zeros() { return new Constant(0); }

    static Initializer ones() { return new Constant(1); }

    static Initializer constant(double value) { return new Constant(value); }

    static Initializer glorotUniform() { return new VarianceScaling(1, Mode.FAN_AVG, Distribution.UNIFORM, "glorot_uniform"); }

    static Initializer glorotNormal() { return new VarianceScaling(1, Mode.FAN_AVG, Distribution.TRUNCATED_NORMAL, "glorot_normal"); }

    static Initializer heUniform() { return new VarianceScaling(2, Mode.FAN_IN, Distribution.UNIFORM, "he_uniform"); }

    static Initializer heNormal() { return new VarianceScaling(2, Mode.FAN_IN, Distribution.TRUNCATED_NORMAL, "he_normal"); }

    static Initializer lecunUniform() { return new VarianceScaling(1, Mode.FAN_IN, Distribution.UNIFORM, "lecun_uniform"); }

    static Initializer lecunNormal() { return new VarianceScaling(1, Mode.FAN_IN, Distribution.TRUNCATED_NORMAL, "lecun_normal"); }

    static Initializer orthogonal() { return new Orthogonal(1); }

    /** Keras's RandomUniform default: [-0.05, 0.05). */
    static Initializer randomUniform() { return new RandomUniform(-0.05, 0.05); }

    /** Keras's RandomNormal default: mean 0, stddev 0.05. */
    static Initializer randomNormal() { return new RandomNormal(0, 0.05); }

    /** Keras's TruncatedNormal default: mean 0, stddev 0.05, redrawn beyond two standard deviations. */
    static Initializer truncatedNormal() { return new TruncatedNormal(0, 0.05); }

    /** Looks an initializer up by its Keras name ("glorot_uniform", "zeros", "orthogonal", ...). */
    static Initializer byName(String name) {
        return switch (name) {
            case "zeros" -> zeros();
            case "ones" -> ones();
            case "glorot_uniform" -> glorotUniform();
            case "glorot_normal" -> glorotNormal();
            case "he_uniform" -> heUniform();
            case "he_normal" -> heNormal();
            case "lecun_uniform" -> lecunUniform();
            case "lecun_normal" -> lecunNormal();
            case "orthogonal" -> orthogonal();
            case "random_uniform" -> randomUniform();
            case "random_normal" -> randomNormal();
            case "truncated_normal" -> truncatedNormal();
            default -> throw new IllegalArgumentException("Unknown initializer '" + name + "'. Expected one of: zeros, ones, "
                    + "glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, "
                    + "random_uniform, random_normal, truncated_normal");
        };
    }

    /** Every value is {@code value}. */
    record Constant(double value) implements Initializer {
        public double[] values(Shape shape) {
            double[] v = new double[Math.toIntExact(shape.size())];
            java.util.Arrays.fill(v, value);
            return v;
        }

        public String kerasName() { return value == 0 ? "zeros" : value == 1 ? "ones" : "constant"; }
    }

    /** Uniform on [minval, maxval). */
    record RandomUniform(double minval, double maxval) implements Initializer {
        public RandomUniform {
            if (minval > maxval) throw new IllegalArgumentException("minval must be <= maxval. Received: " + minval + ", " + maxval);
        }

        public double[] values(Shape shape) {
            Random rng = Kiln.random();
            double[] v = new double[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) v[i] = minval + (maxval - minval) * rng.nextDouble();
            return v;
        }

        public String kerasName() { return "random_uniform"; }
    }

    /** Normal with {@code mean} and {@code stddev}. */
    record RandomNormal(double mean, double stddev) implements Initializer {
        public double[] values(Shape shape) {
            Random rng = Kiln.random();
            double[] v = new double[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) v[i] = mean + stddev * rng.nextGaussian();
            return v;
        }

        public String kerasName() { return "random_normal"; }
    }

    /** Normal with {@code mean} and {@code stddev}, values beyond two standard deviations redrawn. */
    record TruncatedNormal(double mean, double stddev) implements Initializer {
        public double[] values(Shape shape) {
            Random rng = Kiln.random();
            double[] v = new double[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) v[i] = mean + stddev * truncatedGaussian(rng);
            return v;
        }

        public String kerasName() { return "truncated_normal"; }
    }

    /** Which fan {@link VarianceScaling} divides the scale by. */
    enum Mode { FAN_IN, FAN_OUT, FAN_AVG }

    /** Which distribution {@link VarianceScaling} draws from. */
    enum Distribution { UNIFORM, TRUNCATED_NORMAL, UNTRUNCATED_NORMAL }

    /**
     * Keras's VarianceScaling: variance = scale / n, n the fan chosen by {@code mode}. Uniform draws from
     * ±√(3·variance); truncated normal uses stddev √variance / 0.87962566103423978 (the stddev of a standard
     * normal truncated at ±2), so the truncated draws keep the intended variance.
     */
    record VarianceScaling(double scale, Mode mode, Distribution distribution, String kerasName) implements Initializer {
        public VarianceScaling {
            if (scale <= 0) throw new IllegalArgumentException("scale must be positive. Received: scale=" + scale);
        }

        public double[] values(Shape shape) {
            double n = switch (mode) {
                case FAN_IN -> shape.fanIn();
                case FAN_OUT -> shape.fanOut();
                case FAN_AVG -> (shape.fanIn() + shape.fanOut()) / 2;
            };
            double variance = scale / Math.max(1, n);
            Random rng = Kiln.random();
            double[] v = new double[Math.toIntExact(shape.size())];
            switch (distribution) {
                case UNIFORM -> {
                    double limit = Math.sqrt(3 * variance);
                    for (int i = 0; i < v.length; i++) v[i] = (2 * rng.nextDouble() - 1) * limit;
                }
                case TRUNCATED_NORMAL -> {
                    double stddev = Math.sqrt(variance) / 0.87962566103423978;
                    for (int i = 0; i < v.length; i++) v[i] = stddev * truncatedGaussian(rng);
                }
                case UNTRUNCATED_NORMAL -> {
                    double stddev = Math.sqrt(variance);
                    for (int i = 0; i < v.length; i++) v[i] = stddev * rng.nextGaussian();
                }
            }
            return v;
        }
    }

    /**
     * Keras's Orthogonal: a [rows, cols] matrix (rows = product of all but the last axis) with orthonormal rows or
     * columns, from the QR decomposition of a Gaussian matrix with the signs of R's diagonal applied, times gain.
     */
    record Orthogonal(double gain) implements Initializer {
        public double[] values(Shape shape) {
            if (shape.rank() < 2) throw new IllegalArgumentException("orthogonal needs a weight of rank >= 2. Received: " + shape);
            int cols = Math.toIntExact(shape.last());
            int rows = Math.toIntExact(shape.size() / cols);
            int tall = Math.max(rows, cols);
            int wide = Math.min(rows, cols);
            Random rng = Kiln.random();
            double[][] q = new double[wide][tall];     // columns of the tall Gaussian matrix, orthonormalized below
            for (double[] column : q) for (int i = 0; i < tall; i++) column[i] = rng.nextGaussian();
            for (int j = 0; j < wide; j++) {           // modified Gram-Schmidt; the sign of R's diagonal is then +1
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < tall; i++) dot += q[j][i] * q[k][i];
                    for (int i = 0; i < tall; i++) q[j][i] -= dot * q[k][i];
                }
                double norm = 0;
                for (int i = 0; i < tall; i++) norm += q[j][i] * q[j][i];
                norm = Math.sqrt(norm);
                for (int i = 0; i < tall; i++) q[j][i] /= norm;
            }
            double[] v = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) v[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
            }
            return v;
        }

        public String kerasName() { return "orthogonal"; }
    }

    private static double truncatedGaussian(Random rng) {
        double x;
        do { x = rng.nextGaussian(); } while (Math.abs(x) > 2);
        return x;
    }
}
