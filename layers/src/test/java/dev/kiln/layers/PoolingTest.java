package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Padding;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolingTest extends LayerTesting {

    @Test
    void windowPoolingGradients() {
        var x = GradientCheck.random(2, 5, 3);
        checkGradients(new MaxPooling1D(2), x);
        checkGradients(new AveragePooling1D(2), x);
        checkGradients(new MaxPooling1D(3, 2, Padding.SAME), x);
        checkGradients(new AveragePooling1D(2, 1, Padding.SAME), x);
    }

    @Test
    void windowPoolingMatchesANaiveReference() {
        var x = GradientCheck.random(2, 7, 3).detach();
        for (int[] args : List.of(new int[] {2, 2, 0}, new int[] {3, 2, 0}, new int[] {2, 2, 1}, new int[] {3, 2, 1}, new int[] {4, 1, 1})) {
            var padding = args[2] == 1 ? Padding.SAME : Padding.VALID;
            var max = new MaxPooling1D(args[0], args[1], padding);
            var average = new AveragePooling1D(args[0], args[1], padding);
            assertValues(naive(x, args[0], args[1], padding, true), max.apply(x), 1e-12);
            assertValues(naive(x, args[0], args[1], padding, false), average.apply(x), 1e-12);
            assertOutputShape(max, x);
            assertOutputShape(average, x);
        }
    }

    /** Keras's pooling: windows from the (SAME: padded, extra on the right) input; padding never counts. */
    private static double[] naive(Tensor x, int pool, int stride, Padding padding, boolean max) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2);
        int out = (int) padding.outputLength(steps, pool, stride);
        int left = padding == Padding.SAME ? Math.max((out - 1) * stride + pool - steps, 0) / 2 : 0;
        double[] xv = x.toDoubleArray();
        double[] result = new double[batch * out * channels];
        for (int b = 0; b < batch; b++) for (int t = 0; t < out; t++) for (int c = 0; c < channels; c++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int count = 0;
            for (int k = 0; k < pool; k++) {
                int at = t * stride + k - left;
                if (at < 0 || at >= steps) continue;
                double v = xv[(b * steps + at) * channels + c];
                acc = max ? Math.max(acc, v) : acc + v;
                count++;
            }
            result[(b * out + t) * channels + c] = max ? acc : acc / count;
        }
        return result;
    }

    @Test
    void globalPoolingValuesShapesAndGradients() {
        var x = tensor(new double[] {1, -2, 3, 4, -5, 6, 0, 1, 2, 2, 2, -9}, 2, 3, 2);
        assertValues(new double[] {3, 6, 2, 2}, new GlobalMaxPooling1D().apply(x), 0);
        assertValues(new double[] {(1 + 3 - 5) / 3.0, (-2 + 4 + 6) / 3.0, 4 / 3.0, -6 / 3.0}, new GlobalAveragePooling1D().apply(x), 1e-12);
        var keep = new GlobalAveragePooling1D(new GlobalAveragePooling1D.Config(true));
        assertEquals(Shape.of(2, 1, 2), keep.apply(x).shape());
        for (Layer layer : List.of(new GlobalMaxPooling1D(), new GlobalAveragePooling1D(), keep,
                new GlobalMaxPooling1D(new GlobalMaxPooling1D.Config(true)))) {
            assertOutputShape(layer, x);
            checkGradients(layer, GradientCheck.random(2, 4, 3));
        }
    }

    @Test
    void maskedAverageCountsOnlyUnmaskedSteps() {
        var x = GradientCheck.random(2, 4, 3);
        var mask = tensor(new double[] {1, 1, 0, 0, 1, 1, 1, 0}, 2, 4);
        var pool = new GlobalAveragePooling1D();
        double[] xv = x.toDoubleArray();
        double[] expected = new double[6];
        for (int c = 0; c < 3; c++) {
            expected[c] = (xv[c] + xv[3 + c]) / 2;
            expected[3 + c] = (xv[12 + c] + xv[15 + c] + xv[18 + c]) / 3;
        }
        assertValues(expected, pool.apply(x, mask, false), 1e-12);
        GradientCheck.check(in -> pool.apply(in.get(0), mask, true), x);
    }

    @Test
    void kerasDefaultsConfigsAndErrors() {
        assertEquals(new MaxPooling1D.Config(2, 2, Padding.VALID), new MaxPooling1D().config());
        assertEquals(new AveragePooling1D.Config(3, 3, Padding.VALID), new AveragePooling1D(3).config());
        assertEquals(new GlobalMaxPooling1D.Config(false), new GlobalMaxPooling1D().config());
        var config = new MaxPooling1D.Config(3, 1, Padding.SAME);
        assertEquals(config, new MaxPooling1D(config).config());
        var average = new AveragePooling1D.Config(2, 3, Padding.SAME);
        assertEquals(average, new AveragePooling1D(average).config());
        assertEquals(new GlobalAveragePooling1D.Config(true), new GlobalAveragePooling1D(new GlobalAveragePooling1D.Config(true)).config());
        Layer.resetNames();
        assertEquals("max_pooling1d", new MaxPooling1D().name());
        assertEquals("global_average_pooling1d", new GlobalAveragePooling1D().name());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MaxPooling1D(0)), "poolSize=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new AveragePooling1D(2, 2, Padding.CAUSAL)), "causal");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MaxPooling1D().apply(Input.of(8))),
                "MaxPooling1D 'max_pooling1d_1' expects input of rank 3 [batch, steps, channels]. Received: [None, 8]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new GlobalMaxPooling1D().apply(Input.of(8))),
                "expects input of rank 3", "Received: [None, 8]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MaxPooling1D(4).apply(Input.of(3, 2))),
                "poolSize=4", "3 steps");
    }
}
