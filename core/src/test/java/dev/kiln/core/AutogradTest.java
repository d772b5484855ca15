package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The engine: accumulation, graph walks, scopes and errors. */
class AutogradTest {

    @Test
    void sameTensorTwiceInOneOpAccumulatesBothPaths() {
        var x = Tensor.of(new double[] {1, -2, 3}, 3).requiringGrad();
        x.mul(x).sum().backward();                                    // d(x²)/dx = 2x
        assertArrayEquals(new double[] {2, -4, 6}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void addHandsTheSameGradientToBothInputsWithoutAliasing() {
        var x = Tensor.of(new double[] {1, 2}, 2).requiringGrad();
        var y = x.add(x);                                             // both inputs are x: gradient 2
        y.mul(Tensor.of(new double[] {3, 5}, 2)).sum().backward();
        assertArrayEquals(new double[] {6, 10}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void tensorFeedingSeveralOpsSumsItsGradients() {
        var x = Tensor.of(new double[] {0.5, 2}, 2).requiringGrad();
        var loss = x.exp().sum().add(x.mul(3.0).sum()).add(x.square().sum());   // eˣ + 3x + x²
        loss.backward();
        assertArrayEquals(new double[] {Math.exp(0.5) + 3 + 1, Math.exp(2) + 3 + 4}, x.grad().toDoubleArray(), 1e-12);
    }

    /** Float32 gradient sums take BLAS calls on the CPU: a borrowed gradient summed, one added in place, a leaf's buffer reused. */
    @Test
    void float32GradientsOfASharedIntermediateSumAndALeafReusesItsBuffer() {
        var x = Tensor.of(new float[] {1, -2, 3, 4}, 2, 2).requiringGrad();
        for (int pass = 0; pass < 2; pass++) {
            var h = x.mul(2.0);                                       // read by add (twice) and by mul
            h.add(h).mul(h).sum().backward();                         // Σ 2h², h = 2x: d/dx = 16x
            assertArrayEquals(new float[] {16, -32, 48, 64}, x.grad().toFloatArray(), "pass " + pass);
            x.zeroGrad();
        }
    }

    @Test
    void aTenThousandStepChainDoesNotOverflowTheStack() {
        var x = Tensor.of(new double[] {1.0}, 1).requiringGrad();
        var y = x;
        for (int i = 0; i < 10_000; i++) y = y.mul(1.0001);
        y.sum().backward();
        assertEquals(Math.pow(1.0001, 10_000), x.grad().item(), 1e-9);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        var x = Tensor.of(new double[] {2}, 1).requiringGrad();
        x.square().sum().backward();
        x.square().sum().backward();
        assertEquals(8.0, x.grad().item(), 1e-12);
        x.zeroGrad();
        assertNull(x.grad());
        x.square().sum().backward();
        assertEquals(4.0, x.grad().item(), 1e-12);
    }

    @Test
    void noGradRecordsNothingAndDetachCutsTheGraph() {
        var x = Tensor.of(new double[] {1, 2}, 2).requiringGrad();
        try (var ignored = Tensor.noGrad()) {
            assertFalse(x.mul(2.0).requiresGrad());
            assertFalse(Tensor.isGradEnabled());
        }
        assertTrue(Tensor.isGradEnabled());
        var y = x.mul(x.detach());                                    // only the first factor carries a gradient
        y.sum().backward();
        assertArrayEquals(new double[] {1, 2}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void backwardOnANonScalarNamesTheShape() {
        var x = GradientCheck.random(2, 3);
        var e = assertThrows(IllegalStateException.class, () -> x.mul(2.0).backward());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void shapeMismatchNamesTheOpAndBothShapes() {
        var a = GradientCheck.random(2, 3);
        var b = GradientCheck.random(4);
        var e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> a.matmul(GradientCheck.random(2, 3)));
        assertTrue(m.getMessage().contains("matmul") && m.getMessage().contains("[2, 3]"), m.getMessage());
    }

    @Test
    void mixedDtypesAreRejectedWithBothNamed() {
        var f32 = Tensor.ones(Shape.of(2), DType.FLOAT32);
        var f64 = Tensor.ones(Shape.of(2), DType.FLOAT64);
        var e = assertThrows(IllegalArgumentException.class, () -> f64.mul(f32));
        assertTrue(e.getMessage().contains("float64") && e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void float32IsTheDefaultAndFloat64IsKept() {
        assertEquals(DType.FLOAT32, Tensor.of(new float[] {1}, 1).dtype());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}, 1).sigmoid().dtype());
        assertEquals(DType.FLOAT32, Tensor.parameter(Shape.of(2, 2), Initializer.glorotUniform(), Kiln.floatx()).dtype());
    }

    @Test
    void castPassesTheGradientBackInTheInputsType() {
        var x = Tensor.of(new double[] {1, 2}, 2).requiringGrad();
        x.cast(DType.FLOAT32).mul(3.0).sum().backward();
        assertEquals(DType.FLOAT64, x.grad().dtype());
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray(), 1e-6);
    }

    @Test
    void seedMakesInitializationAndDropoutReproducible() {
        Kiln.seed(7);
        var w1 = Tensor.parameter(Shape.of(4, 5), Initializer.glorotUniform(), DType.FLOAT32).toFloatArray();
        var d1 = NN.dropout(Tensor.ones(Shape.of(50), DType.FLOAT32), 0.5, null).toFloatArray();
        Kiln.seed(7);
        var w2 = Tensor.parameter(Shape.of(4, 5), Initializer.glorotUniform(), DType.FLOAT32).toFloatArray();
        var d2 = NN.dropout(Tensor.ones(Shape.of(50), DType.FLOAT32), 0.5, null).toFloatArray();
        assertArrayEquals(w1, w2);
        assertArrayEquals(d1, d2);
    }

    @Test
    void readersReturnTheValuesOfAViewInRowMajorOrder() {
        var t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose();     // [3, 2] view: rows (1, 4), (2, 5), (3, 6)
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toFloatArray());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, t.toDoubleArray(), 0);
        assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, t.toIntArray());
        assertArrayEquals(new long[] {1, 4, 2, 5, 3, 6}, t.toLongArray());
    }
}
