package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CPU's host paths for element-wise arithmetic against ND4J's ops (HostLoops forced off), values and gradients
 * in float32: an array broadcast over the leading axes of another (either side, each op), a multiplication by a
 * scalar, and sums and means over runs of adjacent axes, with and without the axes kept, next to size-1 axes.
 */
class HostArithmeticTest {

    @AfterEach
    void byBackend() { HostLoops.force(null); }

    /** f's output and the gradients of Σ output·weights for each input, with the host paths on or off. */
    private static List<double[]> valuesAndGradients(boolean host, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        HostLoops.force(host);
        List<Tensor> leaves = java.util.Arrays.stream(inputs).map(Tensor::requiringGrad).toList();
        Tensor out = f.apply(leaves);
        Kiln.seed(2);
        out.mul(Tensor.uniform(out.shape(), -1, 1, DType.FLOAT32)).sum().backward();
        var results = new ArrayList<double[]>(List.of(out.toDoubleArray(), out.shape().dims().length == 0 ? new double[0]
                : java.util.Arrays.stream(out.shape().dims()).asDoubleStream().toArray()));
        for (Tensor leaf : leaves) results.add(leaf.grad().toDoubleArray());
        return results;
    }

    private static void hostEqualsNd4j(String name, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        List<double[]> host = valuesAndGradients(true, f, inputs), nd4j = valuesAndGradients(false, f, inputs);
        assertEquals(nd4j.size(), host.size());
        assertArrayEquals(nd4j.get(1), host.get(1), 0, name + ": shape");
        for (int i = 0; i < host.size(); i++) assertArrayEquals(nd4j.get(i), host.get(i), 1e-5, name + (i == 0 ? " value" : " part " + i));
    }

    private static Tensor uniform(long... shape) { return Tensor.uniform(Shape.of(shape), -2, 2, DType.FLOAT32); }

    @Test
    void anArrayBroadcastOverTheLeadingAxesOfAnother() {
        Kiln.seed(1);
        var full = uniform(3, 4, 5);
        for (Tensor row : new Tensor[] {uniform(4, 5), uniform(1, 4, 5), uniform(5), uniform(1, 1, 5), uniform(1)}) {
            String shape = " " + row.shape();
            hostEqualsNd4j("add" + shape, in -> in.get(0).add(in.get(1)), full, row);
            hostEqualsNd4j("add, row first" + shape, in -> in.get(1).add(in.get(0)), full, row);
            hostEqualsNd4j("subtract" + shape, in -> in.get(0).sub(in.get(1)), full, row);
            hostEqualsNd4j("subtract, row first" + shape, in -> in.get(1).sub(in.get(0)), full, row);
            hostEqualsNd4j("multiply" + shape, in -> in.get(0).mul(in.get(1)), full, row);
            hostEqualsNd4j("multiply, row first" + shape, in -> in.get(1).mul(in.get(0)), full, row);
        }
        hostEqualsNd4j("a column, which is not a row", in -> in.get(0).add(in.get(1)), full, uniform(3, 4, 1));
    }

    @Test
    void multiplicationByAScalar() {
        Kiln.seed(3);
        hostEqualsNd4j("times 0.25", in -> in.get(0).mul(0.25), uniform(3, 4, 5));
        hostEqualsNd4j("divided by 3", in -> in.get(0).div(3), uniform(7));
    }

    @Test
    void sumsAndMeansOverRunsOfAdjacentAxes() {
        Kiln.seed(4);
        var x = uniform(2, 3, 1, 4);
        for (int[] axes : new int[][] {{1}, {0}, {3}, {0, 1}, {1, 2}, {2, 3}, {1, 2, 3}, {}, {0, 2}, {-1}}) {
            for (boolean keep : new boolean[] {false, true}) {
                String name = java.util.Arrays.toString(axes) + (keep ? " kept" : "");
                hostEqualsNd4j("sum " + name, in -> in.get(0).sum(keep, axes), x);
                hostEqualsNd4j("mean " + name, in -> in.get(0).mean(keep, axes), x);
            }
        }
    }
}
