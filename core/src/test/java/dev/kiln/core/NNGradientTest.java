package dev.kiln.core;

import static dev.kiln.core.GradientCheck.check;
import static dev.kiln.core.GradientCheck.random;

import org.junit.jupiter.api.Test;

/** Float64 gradient checks for the neural-network ops in {@link NN}. */
class NNGradientTest {

    @Test
    void gatherWithRepeatedIndices() {
        var indices = Tensor.of(new int[] {1, 3, 1, 0, 1, 3}, 2, 3);
        check(in -> NN.gather(in.get(0), indices), random(4, 2));
    }

    @Test
    void conv1dEveryPaddingStrideAndDilation() {
        for (Padding padding : Padding.values()) {
            check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 1, padding, 1), random(2, 6, 3), random(3, 3, 2), random(2));
        }
        check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 2, Padding.VALID, 1), random(2, 7, 2), random(3, 2, 2), random(2));
        check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 2, Padding.SAME, 1), random(1, 6, 2), random(2, 2, 3), random(3));
        check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 1, Padding.CAUSAL, 2), random(2, 6, 2), random(2, 2, 2), random(2));
        check(in -> NN.conv1d(in.get(0), in.get(1), null, 1, Padding.VALID, 2), random(1, 7, 2), random(3, 2, 2));
        check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 1, Padding.SAME, 1, true), random(2, 6, 3), random(3, 3, 2), random(2));
    }

    @Test
    void pooling() {
        check(in -> NN.maxPool1d(in.get(0), 2, 2, Padding.VALID), random(2, 6, 3));
        check(in -> NN.maxPool1d(in.get(0), 3, 1, Padding.SAME), random(2, 5, 2));
        check(in -> NN.averagePool1d(in.get(0), 2, 2, Padding.VALID), random(2, 6, 3));
        check(in -> NN.averagePool1d(in.get(0), 3, 2, Padding.SAME), random(1, 5, 2));
    }

    @Test
    void dropoutWithAFixedSeed() {
        check(in -> {
            Kiln.seed(3);
            return NN.dropout(in.get(0), 0.4, null);
        }, random(3, 4));
        check(in -> {
            Kiln.seed(3);
            return NN.dropout(in.get(0), 0.5, Shape.of(2, 1, 3));
        }, random(2, 4, 3));
    }

    @Test
    void layerNormalization() {
        check(in -> NN.layerNormalization(in.get(0), in.get(1), in.get(2), 1e-3), random(2, 3, 4), random(4), random(4));
        check(in -> NN.layerNormalization(in.get(0), null, null, 1e-5), random(3, 5));
        check(in -> NN.layerNormalization(in.get(0), in.get(1), null, 1e-3), random(2, 4), random(4));
        check(in -> NN.layerNormalization(in.get(0).permute(1, 0, 2), null, in.get(1), 1e-3), random(3, 2, 4), random(4));
    }

    @Test
    void lstmAllOutputs() {
        check(in -> {
            var out = NN.lstm(in.get(0), in.get(1), in.get(2), in.get(3), null, null, false);
            return Tensor.concat(1, out.sequence().reshape(2, -1), out.lastHidden(), out.lastCell());
        }, random(2, 3, 2), random(2, 8), random(2, 8), random(8));
    }

    @Test
    void lstmWithInitialStatesBackwardsAndOnlyTheLastState() {
        check(in -> NN.lstm(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), true).lastHidden(),
                random(2, 3, 2), random(2, 12), random(3, 12), random(12), random(2, 3), random(2, 3));
        check(in -> NN.lstm(in.get(0), in.get(1), in.get(2), null, null, null, false).sequence(),
                random(1, 4, 3), random(3, 8), random(2, 8));
    }

    @Test
    void denseWithBiasOnAnyLeadingAxes() {
        check(in -> NN.dense(in.get(0), in.get(1), in.get(2)), random(3, 4), random(4, 5), random(5));
        check(in -> NN.dense(in.get(0), in.get(1), in.get(2)), random(2, 3, 4), random(4, 5), random(5));
        check(in -> NN.dense(in.get(0).permute(1, 0, 2), in.get(1), in.get(2)), random(3, 2, 4), random(4, 2), random(2));
    }

    @Test
    void dotProductAttentionWithAndWithoutAMaskAndWithDropout() {
        check(in -> NN.dotProductAttention(in.get(0), in.get(1), in.get(2), null), random(2, 3, 2, 2), random(2, 4, 2, 2), random(2, 4, 2, 3));
        var mask = Tensor.of(new double[] {1, 1, 0, 1, 0, 1, 1, 1}, 2, 1, 4);
        check(in -> NN.dotProductAttention(in.get(0), in.get(1), in.get(2), mask), random(2, 3, 2, 2), random(2, 4, 2, 2), random(2, 4, 2, 3));
        check(in -> NN.dotProductAttention(in.get(0), in.get(1), in.get(2), mask, 0.4, 9L), random(2, 3, 2, 2), random(2, 4, 2, 2), random(2, 4, 2, 3));
    }

    @Test
    void lossPrimitives() {
        var binary = Tensor.of(new double[] {0, 1, 1, 0, 1, 0}, 2, 3);
        check(in -> NN.sigmoidCrossEntropyWithLogits(in.get(0), binary), random(2, 3));
        check(in -> NN.binaryCrossEntropy(in.get(0).sigmoid(), binary), random(2, 3));
        var oneHot = Tensor.of(new double[] {0, 1, 0, 0.2, 0.3, 0.5}, 2, 3);
        check(in -> NN.softmaxCrossEntropyWithLogits(in.get(0), oneHot), random(2, 3));
        var classes = Tensor.of(new int[] {2, 0, 1}, 3);
        check(in -> NN.sparseSoftmaxCrossEntropyWithLogits(in.get(0), classes), random(3, 4));
        check(in -> NN.squaredError(in.get(0), binary), random(2, 3));
    }
}
