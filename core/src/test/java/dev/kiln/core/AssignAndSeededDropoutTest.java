package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AssignAndSeededDropoutTest {

    @Test
    void assignOverwritesALeafInPlaceAndCasts() {
        var weight = Tensor.parameter(Shape.of(2, 2), Initializer.zeros(), DType.FLOAT32);
        var before = weight.array();
        weight.assign(Tensor.of(new double[] {1, 2, 3, 4}, 2, 2));
        assertTrue(before == weight.array(), "assign must keep the same array, which optimizers hold");
        assertEquals(DType.FLOAT32, weight.dtype());
        assertArrayEquals(new float[] {1, 2, 3, 4}, weight.toFloatArray());
        assertTrue(weight.requiresGrad());
    }

    @Test
    void assignRejectsOtherShapesAndComputedTensors() {
        var weight = Tensor.parameter(Shape.of(2, 2), Initializer.zeros(), DType.FLOAT64);
        var e = assertThrows(IllegalArgumentException.class, () -> weight.assign(Tensor.zeros(Shape.of(4), DType.FLOAT64)));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("[4]"), e.getMessage());
        var computed = weight.mul(2.0);
        var f = assertThrows(IllegalStateException.class, () -> computed.assign(weight));
        assertTrue(f.getMessage().contains("mul"), f.getMessage());
    }

    @Test
    void seededDropoutRepeatsItsMaskAndDiffersAcrossSeeds() {
        var x = Tensor.ones(Shape.of(4, 50), DType.FLOAT64);
        double[] a = NN.dropout(x, 0.5, null, 7L).toDoubleArray();
        double[] b = NN.dropout(x, 0.5, null, 7L).toDoubleArray();
        double[] c = NN.dropout(x, 0.5, null, 8L).toDoubleArray();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
        for (double v : a) assertTrue(v == 0 || v == 2, "kept values are scaled by 1/(1 - rate): " + v);
    }

    /** On the CPU, float32 dropout draws its factors on the host: shared along the noise shape's axes of size 1. */
    @Test
    void float32DropoutSharesItsDrawAlongTheNoiseShapeAndItsGradientIsTheMask() {
        var x = Tensor.ones(Shape.of(40, 3, 50), DType.FLOAT32).requiringGrad();
        Tensor y = NN.dropout(x, 0.25, Shape.of(40, 1, 50), 7L);
        float[] values = y.toFloatArray();
        int kept = 0;
        for (int b = 0; b < 40; b++) {
            for (int c = 0; c < 50; c++) {
                float first = values[b * 150 + c];
                assertTrue(first == 0 || first == 4f / 3, "kept values are scaled by 1/(1 - rate): " + first);
                kept += first == 0 ? 0 : 1;
                for (int t = 1; t < 3; t++) assertEquals(first, values[b * 150 + t * 50 + c], "one draw along the noise shape's axis of size 1");
            }
        }
        assertEquals(0.75, kept / 2000.0, 0.05);                // 5 standard deviations of 2,000 draws
        assertArrayEquals(values, NN.dropout(x, 0.25, Shape.of(40, 1, 50), 7L).toFloatArray(), "the same seed draws the same mask");
        y.sum().backward();
        assertArrayEquals(values, x.grad().toFloatArray(), "d(x·mask)/dx is the mask");
    }

    /**
     * Without a noise shape, float32 dropout on the CPU is one host op: x times the seed's factors, and its gradient
     * the same factors, drawn again (a view as input too).
     */
    @Test
    void float32DropoutIsXTimesTheDrawAndItsGradientTheDrawAgain() {
        Kiln.seed(3);
        var base = Tensor.uniform(Shape.of(6, 40, 30), -1, 1, DType.FLOAT32);
        for (Tensor x : new Tensor[] {base.requiringGrad(), base.permute(0, 2, 1).requiringGrad()}) {
            float[] factors = new DropoutDraw(7, 0.3).factors(x.shape().dims()).data().asFloat();
            float[] values = x.toFloatArray(), expected = new float[values.length];
            for (int i = 0; i < values.length; i++) expected[i] = values[i] * factors[i];
            Tensor y = NN.dropout(x, 0.3, null, 7L);
            assertArrayEquals(expected, y.toFloatArray(), "x times the factors of stream 0");
            var weights = Tensor.uniform(x.shape(), -1, 1, DType.FLOAT32);
            y.mul(weights).sum().backward();
            float[] w = weights.toFloatArray(), gradient = x.grad().toFloatArray();
            for (int i = 0; i < w.length; i++) assertEquals(w[i] * factors[i], gradient[i], 1e-6f, "gradient at " + i);
        }
    }

    @Test
    void seededDropoutGradientIsTheMask() {
        var x = GradientCheck.random(3, 4);
        GradientCheck.check(in -> NN.dropout(in.get(0), 0.3, null, 11L), x);
    }
}
