package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Keras's initializer formulas: bounds, variances and orthogonality. */
class InitializerTest {

    private static double variance(double[] v) {
        double mean = Arrays.stream(v).average().orElse(0);
        return Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length;
    }

    @Test
    void glorotUniformStaysWithinItsLimitWithTheRightVariance() {
        Kiln.seed(0);
        Shape shape = Shape.of(200, 300);
        double[] v = Initializer.glorotUniform().values(shape);
        double limit = Math.sqrt(6.0 / 500);
        assertTrue(Arrays.stream(v).allMatch(x -> Math.abs(x) <= limit));
        assertEquals(limit * limit / 3, variance(v), 0.05 * limit * limit / 3);
    }

    @Test
    void convolutionFansIncludeTheReceptiveField() {
        Shape kernel = Shape.of(5, 16, 32);
        assertEquals(80, kernel.fanIn());
        assertEquals(160, kernel.fanOut());
    }

    @Test
    void truncatedNormalsKeepTheirVarianceAndBounds() {
        Kiln.seed(0);
        double[] he = Initializer.heNormal().values(Shape.of(100, 400));
        assertEquals(2.0 / 100, variance(he), 0.05 * 2.0 / 100);
        double bound = 2 * Math.sqrt(2.0 / 100) / 0.87962566103423978;
        assertTrue(Arrays.stream(he).allMatch(x -> Math.abs(x) <= bound + 1e-12));
        double[] t = Initializer.truncatedNormal().values(Shape.of(10_000));
        assertTrue(Arrays.stream(t).allMatch(x -> Math.abs(x) <= 0.1 + 1e-12));
    }

    @Test
    void orthogonalGivesOrthonormalColumnsOrRows() {
        Kiln.seed(0);
        for (Shape shape : new Shape[] {Shape.of(8, 4), Shape.of(4, 8)}) {
            int rows = (int) shape.get(0), cols = (int) shape.get(1);
            double[] q = Initializer.orthogonal().values(shape);
            boolean byColumns = rows >= cols;
            int vectors = Math.min(rows, cols), length = Math.max(rows, cols);
            for (int a = 0; a < vectors; a++) {
                for (int b = 0; b < vectors; b++) {
                    double dot = 0;
                    for (int i = 0; i < length; i++) {
                        dot += byColumns ? q[i * cols + a] * q[i * cols + b] : q[a * cols + i] * q[b * cols + i];
                    }
                    assertEquals(a == b ? 1 : 0, dot, 1e-9);
                }
            }
        }
    }

    @Test
    void constantsAndNames() {
        assertTrue(Arrays.stream(Initializer.zeros().values(Shape.of(3))).allMatch(x -> x == 0));
        assertTrue(Arrays.stream(Initializer.constant(0.5).values(Shape.of(3))).allMatch(x -> x == 0.5));
        assertEquals("glorot_uniform", Initializer.byName("glorot_uniform").kerasName());
        var e = assertThrows(IllegalArgumentException.class, () -> Initializer.byName("glorot"));
        assertTrue(e.getMessage().contains("'glorot'"));
    }
}
