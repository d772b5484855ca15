package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loops that read and write ND4J's float32 arrays where they lie, in whole vectors (the embedding's gather and
 * its gradient, max pooling, a maximum along one axis), give exactly the heap path's results: rows of one and two
 * vectors, windows over the padding, NaN, and views, which take the heap path.
 */
class InPlaceVectorLoopsTest {

    private static final boolean DEFAULT_PATH = HostMath.usesVectorApi();

    @AfterEach
    void restorePath() { HostMath.useVectorApi(DEFAULT_PATH); }

    /** The values of {@code op} on the Vector API's path in place, then on the heap path, which must be equal. */
    private static void bothPathsAgree(String label, Supplier<Tensor> op) {
        assertTrue(HostMath.vectorApiUsable(), "surefire's argLine should add the jdk.incubator.vector module");
        HostMath.useVectorApi(true);
        float[] inPlace = op.get().toFloatArray();
        HostMath.useVectorApi(false);
        float[] heap = op.get().toFloatArray();
        assertArrayEquals(heap, inPlace, label);
    }

    private static Tensor uniform(long... shape) {
        Tensor x = Tensor.uniform(Shape.of(shape), -1, 1, DType.FLOAT32);
        x.array().putScalar(3, Float.NaN);                  // a NaN wins its maximum, as Math.max
        return x;
    }

    @Test
    void gatherMaxPoolingAndMaximaMatchTheHeapPath() {
        Kiln.seed(11);
        int lanes = VectorMath.lanes();
        for (int width : new int[] {lanes, 2 * lanes, lanes + 4}) {           // whole vectors, and not (heap path both ways)
            Tensor table = uniform(50, width);
            Tensor ids = Tensor.of(new int[] {3, 0, 49, 3, 17, 8, 8, 1}, 2, 4);
            bothPathsAgree("gather, width " + width, () -> NN.gather(table, ids));
            Tensor trainable = Tensor.parameter(Shape.of(50, width), Initializer.glorotUniform(), DType.FLOAT32);
            Tensor weights = uniform(2, 4, width);
            bothPathsAgree("the gather's gradient, repeated ids added in order, width " + width, () -> {
                trainable.zeroGrad();
                NN.gather(trainable, ids).mul(weights).sum().backward();
                return Tensor.fromArray(trainable.gradArray().dup());
            });
            Tensor x = uniform(3, 11, width);
            try (var noGrad = Tensor.noGrad()) {
                for (Padding padding : new Padding[] {Padding.VALID, Padding.SAME}) {
                    for (int[] poolAndStride : new int[][] {{2, 2}, {3, 1}, {3, 2}}) {
                        bothPathsAgree("maxPool1d " + poolAndStride[0] + "/" + poolAndStride[1] + " " + padding + ", width " + width,
                                () -> NN.maxPool1d(x, poolAndStride[0], poolAndStride[1], padding));
                    }
                }
            }
            bothPathsAgree("max over axis 1, width " + width, () -> x.max(false, 1));
            bothPathsAgree("max over axis 0, width " + width, () -> x.max(true, 0));
            bothPathsAgree("max of a view", () -> x.slice(1, 2, 9).max(false, 1));
        }
    }
}
