package dev.kiln.layers;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.TANH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.models.Input;
import java.util.List;
import org.junit.jupiter.api.Test;

class DenseTest extends LayerTesting {

    @Test
    void gradientsThroughInputsKernelAndBias() {
        var dense = new Dense(3, TANH);
        checkGradients(dense, GradientCheck.random(2, 4));
    }

    @Test
    void rank3InputsUseTheLastAxis() {
        var dense = new Dense(2, Activation.SIGMOID);
        var x = GradientCheck.random(2, 3, 4);
        checkGradients(dense, x);
        assertOutputShape(dense, x);
        assertEquals(Shape.of(2, 3, 2), dense.apply(x).shape());
    }

    @Test
    void forwardMatchesHandComputedValues() {
        var dense = new Dense(2, RELU);
        var x = tensor(new double[] {1, 2, 3, -1, 0, 1}, 2, 3);
        dense.maybeBuild(x.shape());
        dense.setWeights(List.of(tensor(new double[] {1, 0, 0, 1, 1, -1}, 3, 2), tensor(new double[] {0.5, -0.5}, 2)));
        // row 0: [1+3, 2-3] + b = [4.5, -1.5] → relu [4.5, 0]; row 1: [-1+1, 0-1] + b = [0.5, -1.5] → [0.5, 0]
        assertValues(new double[] {4.5, 0, 0.5, 0}, dense.apply(x), 1e-12);
    }

    @Test
    void kerasDefaultsNamesAndWeightLayout() {
        var dense = new Dense(4);
        assertEquals(new Dense.Config(4, Activation.LINEAR, true, Initializer.glorotUniform(), Initializer.zeros(),
                null, null, null, null, null), dense.config());
        assertEquals("dense", dense.name());
        assertEquals("dense_1", new Dense(1).name());
        dense.apply(GradientCheck.random(2, 3));
        assertEquals(List.of("kernel", "bias"), dense.namedWeights().stream().map(Weight::name).toList());
        assertEquals(List.of("dense/kernel", "dense/bias"), dense.namedWeights().stream().map(Weight::path).toList());
        assertEquals(Shape.of(3, 4), dense.weights().get(0).shape());
        assertEquals(16, dense.countParams());
        assertValues(new double[4], dense.weights().get(1), 0);
    }

    @Test
    void configRoundTrip() {
        var config = new Dense.Config(5, Activation.GELU).withUseBias(false)
                .withRegularizers(Regularizer.l2(), null, Regularizer.l1(0.1)).withConstraints(Constraint.maxNorm(), null);
        assertEquals(config, new Dense(config).config());
        var noBias = new Dense(config);
        noBias.apply(GradientCheck.random(2, 3));
        assertEquals(1, noBias.weights().size());
    }

    @Test
    void invalidArgumentsAndShapesAreNamed() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Dense(0)), "units must be positive", "units=0");
        var dense = new Dense(3);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> dense.apply(Input.of())),
                "Dense 'dense' expects input of rank >= 2", "Received: [None]");
        dense.apply(Input.of(4));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> dense.apply(GradientCheck.random(2, 5))),
                "Dense 'dense'", "4 input features", "Received: [2, 5]");
    }

    @Test
    void frozenLayerHasNoTrainableWeights() {
        var dense = new Dense(2);
        dense.apply(GradientCheck.random(1, 3));
        dense.setTrainable(false);
        assertEquals(0, dense.trainableWeights().size());
        assertEquals(2, dense.nonTrainableWeights().size());
        dense.setTrainable(true);
        assertEquals(2, dense.trainableWeights().size());
        assertNull(dense.computeMask(GradientCheck.random(1, 3), null));
    }
}
