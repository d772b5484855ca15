package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest extends LayerTesting {

    // Two features over a batch of 3: feature 0 = {1, 2, 6} (mean 3, variance 14/3), feature 1 = {0, 0, 3} (mean 1, variance 2).
    private static final Tensor X = Tensor.of(new double[] {1, 0, 2, 0, 6, 3}, 3, 2);

    @Test
    void batchNormalizationTrainsOnBatchMomentsAndUpdatesMovingStatistics() {
        var bn = new BatchNormalization();
        double[] mean = {3, 1};
        double[] variance = {14 / 3.0, 2};
        double[] x = X.toDoubleArray();
        double[] expected = new double[6];
        for (int i = 0; i < 6; i++) expected[i] = (x[i] - mean[i % 2]) / Math.sqrt(variance[i % 2] + 1e-3);
        assertValues(expected, bn.apply(X, true), 1e-12);
        // moving = 0.99 · initial + 0.01 · batch (initial mean 0, variance 1)
        assertValues(new double[] {0.03, 0.01}, bn.weights().get(2), 1e-12);
        assertValues(new double[] {0.99 + 0.01 * 14 / 3.0, 0.99 + 0.02}, bn.weights().get(3), 1e-12);
        double[] inference = new double[6];
        double[] movingMean = bn.weights().get(2).toDoubleArray();
        double[] movingVariance = bn.weights().get(3).toDoubleArray();
        for (int i = 0; i < 6; i++) inference[i] = (x[i] - movingMean[i % 2]) / Math.sqrt(movingVariance[i % 2] + 1e-3);
        assertValues(inference, bn.apply(X, false), 1e-12);
        bn.setTrainable(false);
        assertValues(inference, bn.apply(X, true), 1e-12);   // a frozen BatchNormalization runs in inference mode
        assertValues(movingMean, bn.weights().get(2), 0);
    }

    @Test
    void batchNormalizationGradientsInBothModes() {
        var x = GradientCheck.random(3, 2, 4);
        var training = new BatchNormalization();
        checkGradients(training, x);
        var inference = new BatchNormalization();
        checkGradients(inference, in -> inference.apply(in.get(0), false), x);
        var channelsFirst = new BatchNormalization(new BatchNormalization.Config().withAxis(1));
        checkGradients(channelsFirst, x);
        assertEquals(Shape.of(2), channelsFirst.weights().get(0).shape());
        assertOutputShape(training, x);
    }

    @Test
    void maskedBatchMomentsCountOnlyUnmaskedSteps() {
        var x = Tensor.of(new double[] {1, 3, 100, 5, 7, -50}, 2, 3, 1);
        var mask = tensor(new double[] {1, 1, 0, 1, 1, 0}, 2, 3);
        var bn = new BatchNormalization(new BatchNormalization.Config().withMomentum(0));
        bn.apply(x, mask, true);
        // unmasked values 1, 3, 5, 7: mean 4, variance 5 (the 1e-7 guard in the count shifts them by < 1e-6)
        assertValues(new double[] {4}, bn.weights().get(2), 1e-6);
        assertValues(new double[] {5}, bn.weights().get(3), 1e-5);
        var input = GradientCheck.random(2, 3, 1);
        GradientCheck.check(in -> bn.apply(in.get(0), mask, true), input);
    }

    @Test
    void batchNormalizationWeightsDefaultsAndConfig() {
        var bn = new BatchNormalization();
        assertEquals(new BatchNormalization.Config(-1, 0.99, 1e-3, true, true, Initializer.zeros(), Initializer.ones(),
                Initializer.zeros(), Initializer.ones(), null, null, null, null), bn.config());
        bn.apply(Input.of(5, 4));
        assertEquals(List.of("gamma", "beta", "moving_mean", "moving_variance"), bn.namedWeights().stream().map(Weight::name).toList());
        assertEquals(2, bn.trainableWeights().size());
        assertEquals(2, bn.nonTrainableWeights().size());
        assertEquals(16, bn.countParams());
        var config = new BatchNormalization.Config().withAxis(1).withMomentum(0.9).withEpsilon(1e-5).withCenterAndScale(false, true);
        assertEquals(config, new BatchNormalization(config).config());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new BatchNormalization.Config().withMomentum(1.5)), "momentum=1.5");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> bn.apply(GradientCheck.random(2, 5, 3))),
                "BatchNormalization 'batch_normalization' was built for 4 features on axis -1", "Received: [2, 5, 3]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new BatchNormalization().apply(Input.of(Shape.UNKNOWN))),
                "expects a known size on axis -1", "[None, None]");
    }

    @Test
    void layerNormalizationNormalizesEachRow() {
        var ln = new LayerNormalization();
        var x = tensor(new double[] {1, 2, 3, 10, 10, 16}, 2, 3);
        double[] expected = new double[6];
        double[][] rows = {{1, 2, 3}, {10, 10, 16}};
        for (int r = 0; r < 2; r++) {
            double mean = (rows[r][0] + rows[r][1] + rows[r][2]) / 3;
            double variance = 0;
            for (double v : rows[r]) variance += (v - mean) * (v - mean) / 3;
            for (int c = 0; c < 3; c++) expected[r * 3 + c] = (rows[r][c] - mean) / Math.sqrt(variance + 1e-3);
        }
        assertValues(expected, ln.apply(x), 1e-12);
        var input = GradientCheck.random(2, 3, 4);
        var trained = new LayerNormalization();
        checkGradients(trained, input);
        assertOutputShape(trained, input);
        assertEquals(List.of("gamma", "beta"), trained.namedWeights().stream().map(Weight::name).toList());
    }

    @Test
    void layerNormalizationDefaultsConfigAndErrors() {
        assertEquals(new LayerNormalization.Config(-1, 1e-3, true, true, Initializer.zeros(), Initializer.ones(), null, null, null, null),
                new LayerNormalization().config());
        var config = new LayerNormalization.Config().withEpsilon(1e-6).withCenterAndScale(true, false);
        assertEquals(config, new LayerNormalization(config).config());
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> new LayerNormalization.Config(1, 1e-3, true, true, null, null, null, null, null, null)), "axis=1");
        var ln = new LayerNormalization();
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> ln.apply(Input.of())),
                "LayerNormalization '" + ln.name() + "' expects input of rank >= 2", "Received: [None]");
    }
}
