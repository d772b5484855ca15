package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Padding;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.List;
import org.junit.jupiter.api.Test;

class Conv1DTest extends LayerTesting {

    @Test
    void gradientsForEachPaddingStrideAndDilation() {
        var x = GradientCheck.random(2, 6, 3);
        checkGradients(new Conv1D(new Conv1D.Config(2, 3, Activation.TANH)), x);
        checkGradients(new Conv1D(new Conv1D.Config(2, 2, Activation.LINEAR).withPadding(Padding.SAME).withStrides(2)), x);
        checkGradients(new Conv1D(new Conv1D.Config(2, 2, Activation.LINEAR).withPadding(Padding.CAUSAL).withDilationRate(2)), x);
    }

    @Test
    void forwardMatchesANaiveConvolution() {
        var x = GradientCheck.random(2, 7, 3).detach();
        for (var config : List.of(new Conv1D.Config(4, 3, Activation.LINEAR),
                new Conv1D.Config(4, 2, Activation.LINEAR).withPadding(Padding.SAME).withStrides(2),
                new Conv1D.Config(4, 4, Activation.LINEAR).withPadding(Padding.SAME),
                new Conv1D.Config(4, 3, Activation.LINEAR).withPadding(Padding.CAUSAL).withDilationRate(2),
                new Conv1D.Config(4, 2, Activation.LINEAR).withDilationRate(3))) {
            var conv = new Conv1D(config);
            Tensor out = conv.apply(x);
            assertValues(naive(x, conv.weights().get(0), conv.weights().get(1), config), out, 1e-12);
            assertOutputShape(conv, x);
        }
    }

    /** out[b, t, f] = bias[f] + Σ_{k, c} x[b, t·s + k·d − left, c] · w[k, c, f], zero outside the input. */
    private static double[] naive(Tensor x, Tensor w, Tensor bias, Conv1D.Config c) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2), filters = c.filters();
        int extent = c.dilatedExtent();
        int outSteps = (int) c.padding().outputLength(steps, extent, c.strides());
        int left = switch (c.padding()) {
            case VALID -> 0;
            case SAME -> Math.max((outSteps - 1) * c.strides() + extent - steps, 0) / 2;
            case CAUSAL -> extent - 1;
        };
        double[] xv = x.toDoubleArray(), wv = w.toDoubleArray(), bv = bias.toDoubleArray();
        double[] out = new double[batch * outSteps * filters];
        for (int b = 0; b < batch; b++) for (int t = 0; t < outSteps; t++) for (int f = 0; f < filters; f++) {
            double sum = bv[f];
            for (int k = 0; k < c.kernelSize(); k++) {
                int at = t * c.strides() + k * c.dilationRate() - left;
                if (at < 0 || at >= steps) continue;
                for (int ch = 0; ch < channels; ch++) sum += xv[(b * steps + at) * channels + ch] * wv[(k * channels + ch) * filters + f];
            }
            out[(b * outSteps + t) * filters + f] = sum;
        }
        return out;
    }

    @Test
    void kerasDefaultsLayoutAndConfigRoundTrip() {
        var conv = new Conv1D(32, 5);
        assertEquals(new Conv1D.Config(32, 5, 1, Padding.VALID, 1, Activation.LINEAR, true, Initializer.glorotUniform(),
                Initializer.zeros(), null, null, null, null, null), conv.config());
        conv.apply(Input.of(100, 16));
        assertEquals(List.of(Shape.of(5, 16, 32), Shape.of(32)), conv.weights().stream().map(Tensor::shape).toList());
        assertEquals(2_592, conv.countParams());
        assertEquals("conv1d", conv.name());
        var config = new Conv1D.Config(3, 2, Activation.RELU).withPadding(Padding.CAUSAL).withDilationRate(2).withUseBias(false)
                .withRegularizers(Regularizer.l1(), null, null).withConstraints(Constraint.maxNorm(3, 0, 1), null);
        assertEquals(config, new Conv1D(config).config());
        assertNull(conv.computeMask(GradientCheck.random(1, 5, 16), GradientCheck.random(1, 5)));
    }

    @Test
    void shapeAndArgumentErrorsNameLayerExpectedAndReceived() {
        var conv = new Conv1D(32, 5);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> conv.apply(GradientCheck.random(32, 100))),
                "Conv1D 'conv1d' expects input of rank 3 [batch, steps, channels]. Received: [32, 100]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> conv.apply(Input.of(100))),
                "Conv1D 'conv1d' expects input of rank 3 [batch, steps, channels]. Received: [None, 100]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> conv.apply(Input.of(3, 8))),
                "kernelSize=5", "3 steps", "'valid'", "Received: [None, 3, 8]");
        conv.apply(Input.of(10, 8));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> conv.apply(GradientCheck.random(1, 10, 4))),
                "built for 8 channels", "Received: [1, 10, 4]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Conv1D(0, 3)), "filters=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Conv1D(2, 0)), "kernelSize=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> new Conv1D.Config(2, 3, null).withStrides(2).withDilationRate(2)), "strides=2, dilationRate=2");
        assertEquals(Shape.of(Shape.UNKNOWN, 3, 4), new Conv1D(new Conv1D.Config(4, 3, null).withPadding(Padding.SAME))
                .apply(Input.of(3, 2)).shape());
    }
}
