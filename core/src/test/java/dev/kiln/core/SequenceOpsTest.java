package dev.kiln.core;

import static dev.kiln.core.GradientCheck.check;
import static dev.kiln.core.GradientCheck.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The sequence helpers of recurrent layers: unstack and flip. */
class SequenceOpsTest {

    private static final Tensor X = Tensor.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2);

    @Test
    void unstackGivesTheSlicesAlongAnAxis() {
        var steps = X.unstack(1);
        assertEquals(3, steps.size());
        assertEquals(Shape.of(2, 2), steps.get(1).shape());
        assertArrayEquals(new double[] {2, 3, 8, 9}, steps.get(1).toDoubleArray());
        assertArrayEquals(new double[] {6, 7, 8, 9, 10, 11}, X.unstack(0).get(1).toDoubleArray());
    }

    @Test
    void unstackGradientPlacesEverySliceBack() {
        check(in -> {
            var steps = in.get(0).unstack(1);
            return steps.get(0).mul(steps.get(2)).add(steps.get(2).tanh());   // step 1 unused: its gradient is zero
        }, random(2, 3, 2));
    }

    @Test
    void flipReversesAnAxis() {
        assertArrayEquals(new double[] {4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7}, X.flip(1).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10}, X.flip(-1).toDoubleArray());
        check(in -> in.get(0).flip(1).mul(in.get(1)), random(2, 3, 2), random(2, 3, 2));
    }
}
