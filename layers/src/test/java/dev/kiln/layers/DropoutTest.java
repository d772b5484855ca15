package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import org.junit.jupiter.api.Test;

class DropoutTest extends LayerTesting {

    @Test
    void trainingDropsAndRescalesInferenceIsTheIdentity() {
        var x = Tensor.ones(Shape.of(20, 50), DType.FLOAT64);
        var dropout = new Dropout(0.25);
        assertSame(x, dropout.apply(x, false));
        double[] out = dropout.apply(x, true).toDoubleArray();
        int dropped = 0;
        for (double v : out) {
            assertTrue(v == 0 || Math.abs(v - 1 / 0.75) < 1e-12, "kept values are scaled by 1/(1 - rate): " + v);
            if (v == 0) dropped++;
        }
        assertEquals(0.25, dropped / 1000.0, 0.05);
        assertOutputShape(dropout, x);
    }

    @Test
    void seededLayersRepeatTheirMasksAndTheGradientIsTheMask() {
        var x = Tensor.ones(Shape.of(4, 30), DType.FLOAT64);
        var a = new Dropout(new Dropout.Config(0.5, null, null).withSeed(3));
        var b = new Dropout(new Dropout.Config(0.5, null, null).withSeed(3));
        double[] first = a.apply(x, true).toDoubleArray();
        assertArrayEquals(first, b.apply(x, true).toDoubleArray());
        assertFalse(java.util.Arrays.equals(first, a.apply(x, true).toDoubleArray()), "each call draws a new mask");
        // A fixed seed per check: rebuild the layer inside f so every evaluation uses the same mask.
        var input = GradientCheck.random(3, 4);
        GradientCheck.check(in -> new Dropout(new Dropout.Config(0.4, null, 9L)).apply(in.get(0), true), input);
    }

    @Test
    void noiseShapeSharesDrawsAlongSizeOneAxes() {
        var x = Tensor.ones(Shape.of(3, 6, 4), DType.FLOAT64);
        var dropout = new Dropout(new Dropout.Config(0.5, Shape.of(-1, 1, 4), 5L));
        assertSameAlongTime(dropout.apply(x, true));
        var spatial = new SpatialDropout1D(new SpatialDropout1D.Config(0.5, 6L));
        Tensor out = spatial.apply(x, true);
        assertSameAlongTime(out);
        assertSame(x, spatial.apply(x, false));
        assertOutputShape(spatial, x);
        GradientCheck.check(in -> new SpatialDropout1D(new SpatialDropout1D.Config(0.3, 2L)).apply(in.get(0), true),
                GradientCheck.random(2, 3, 4));
    }

    private static void assertSameAlongTime(Tensor out) {
        double[] v = out.toDoubleArray();
        long steps = out.size(1), channels = out.size(2);
        for (int b = 0; b < out.size(0); b++) for (int t = 1; t < steps; t++) for (int c = 0; c < channels; c++) {
            assertEquals(v[(int) ((b * steps) * channels + c)], v[(int) ((b * steps + t) * channels + c)], 0);
        }
    }

    @Test
    void configsMasksAndErrors() {
        var config = new Dropout.Config(0.3, Shape.of(-1, 1), 4L);
        assertEquals(config, new Dropout(config).config());
        assertEquals(new Dropout.Config(0.5, null, null), new Dropout(0.5).config());
        assertEquals(new SpatialDropout1D.Config(0.2, null), new SpatialDropout1D(0.2).config());
        assertTrue(new Dropout(0.1).supportsMasking());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5)), "rate=1.5");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new SpatialDropout1D(-0.1)), "rate=-0.1");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new SpatialDropout1D(0.1).apply(GradientCheck.random(2, 3))),
                "SpatialDropout1D 'spatial_dropout1d_1' expects input of rank 3", "Received: [2, 3]");
    }
}
