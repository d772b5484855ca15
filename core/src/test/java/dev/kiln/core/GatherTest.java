package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GatherTest {

    @Test
    void gathersRowsForIndicesOfAnyRank() {
        var table = Tensor.of(new double[] {0, 0, 1, 1, 2, 2}, 3, 2);
        var out = NN.gather(table, Tensor.of(new int[] {2, 0, 1, 2}, 2, 2));
        assertEquals(Shape.of(2, 2, 2), out.shape());
        assertArrayEquals(new double[] {2, 2, 0, 0, 1, 1, 2, 2}, out.toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, NN.gather(table, Tensor.of(new int[] {1}, 1)).toDoubleArray());
        var float32 = NN.gather(table.cast(DType.FLOAT32), Tensor.of(new int[] {2, 0, 1, 2}, 2, 2));
        assertArrayEquals(new double[] {2, 2, 0, 0, 1, 1, 2, 2}, float32.toDoubleArray());
    }

    @Test
    void gradientSumsRepeatedIndices() {
        var table = GradientCheck.random(4, 3);
        var ids = Tensor.of(new long[] {1, 3, 1, 0, 1, 2}, 2, 3);
        GradientCheck.check(in -> NN.gather(in.get(0), ids).tanh(), table);
    }
}
