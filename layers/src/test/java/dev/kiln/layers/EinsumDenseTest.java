package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The EinsumDense projections MultiHeadAttention is built from. */
class EinsumDenseTest extends LayerTesting {

    private static EinsumDense layer(String equation, Shape outputShape) {
        return new EinsumDense(new EinsumDense.Config(equation, outputShape, true, Initializer.glorotUniform(), Initializer.zeros(),
                null, null, null, null, null));
    }

    @Test
    void mergingTwoAxesMatchesTheSumWrittenOut() {
        var merge = layer("abcd,cde->abe", Shape.of(3));
        var x = GradientCheck.random(2, 1, 2, 2);
        merge.apply(x);
        for (var w : merge.weights()) w.assign(GradientCheck.random(w.shape().dims()));
        double[] xs = x.toDoubleArray(), k = merge.weights().get(0).toDoubleArray(), b = merge.weights().get(1).toDoubleArray();
        double[] expected = new double[6];
        for (int n = 0; n < 2; n++) for (int e = 0; e < 3; e++) {
            expected[n * 3 + e] = b[e];
            for (int c = 0; c < 2; c++) for (int d = 0; d < 2; d++) expected[n * 3 + e] += xs[n * 4 + c * 2 + d] * k[(c * 2 + d) * 3 + e];
        }
        assertValues(expected, merge.apply(x), 1e-12);
        assertEquals(List.of(Shape.of(2, 2, 3), Shape.of(3)), merge.weights().stream().map(w -> w.shape()).toList());
        assertOutputShape(merge, x);
    }

    @Test
    void gradientsOfASplitIntoHeads() {
        var split = layer("abc,cde->abde", Shape.of(2, 3));
        var x = GradientCheck.random(2, 3, 4);
        checkGradients(split, x);
        assertEquals(Shape.of(2, 3, 2, 3), split.apply(x).shape());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> split.apply(GradientCheck.random(2, 3, 5))),
                "was built for inputs whose last axes are [4]", "Received: [2, 3, 5]");
    }

    @Test
    void unsupportedEquationsAndShapesAreNamed() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer("abc,dce->abde", Shape.of(2, 3))),
                "EinsumDense supports equations", "equation='abc,dce->abde'");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer("abc,cde->abde", Shape.of(2))),
                "outputShape must give the size of the 2 output axes", "outputShape=[2]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer("abc,cd->abd", Shape.of(2)).apply(GradientCheck.random(2, 3))),
                "expects input of rank 3", "Received: [2, 3]");
    }
}
