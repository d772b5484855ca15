package dev.kiln.core;

import static dev.kiln.core.GradientCheck.check;
import static dev.kiln.core.GradientCheck.random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ND4J kernels that other backends use where the CPU runs host loops: the same gradient checks. */
class Nd4jPathsGradientTest {

    @BeforeEach
    void useNd4jKernels() { HostLoops.force(false); }

    @AfterEach
    void restore() { HostLoops.force(null); }

    @Test
    void gatherConvolutionPoolingMaxReluSoftmaxAndBinaryCrossEntropy() {
        check(in -> NN.gather(in.get(0), Tensor.of(new int[] {1, 3, 1, 0}, 2, 2)), random(4, 2));
        check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 2, Padding.SAME, 1), random(1, 6, 2), random(2, 2, 3), random(3));
        check(in -> NN.conv1d(in.get(0), in.get(1), in.get(2), 1, Padding.CAUSAL, 2), random(2, 6, 2), random(2, 2, 2), random(2));
        check(in -> NN.conv1d(in.get(0), in.get(1), null, 2, Padding.VALID, 1), random(2, 7, 2), random(3, 2, 2));
        check(in -> NN.maxPool1d(in.get(0), 3, 1, Padding.SAME), random(2, 5, 2));
        check(in -> in.get(0).max(1), random(2, 5, 3));
        check(in -> in.get(0).relu(), random(3, 4));
        check(in -> NN.layerNormalization(in.get(0), in.get(1), in.get(2), 1e-3), random(2, 3, 4), random(4), random(4));
        check(in -> NN.dense(in.get(0), in.get(1), in.get(2)), random(2, 3, 4), random(4, 5), random(5));
        check(in -> in.get(0).permute(0, 2, 1, 3).matmul(in.get(1).permute(0, 2, 3, 1)), random(2, 3, 2, 4), random(2, 5, 2, 4));
        check(in -> in.get(0).softmax(-1), random(2, 3, 4));
        check(in -> NN.binaryCrossEntropy(in.get(0).sigmoid(), Tensor.of(new double[] {0, 1, 1, 0, 1, 0}, 2, 3)), random(2, 3));
    }
}
