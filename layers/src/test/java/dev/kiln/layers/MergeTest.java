package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.List;
import org.junit.jupiter.api.Test;

class MergeTest extends LayerTesting {

    @Test
    void addAndMultiplyValuesGradientsAndBroadcasting() {
        var a = tensor(new double[] {1, 2, 3, 4}, 2, 2);
        var b = tensor(new double[] {10, 20, 30, 40}, 2, 2);
        var c = tensor(new double[] {2, 3}, 1, 2);
        assertValues(new double[] {13, 25, 35, 47}, new Add().apply(List.of(a, b, c), false).get(0), 0);
        assertValues(new double[] {20, 120, 180, 480}, new Multiply().apply(List.of(a, b, c), false).get(0), 0);
        for (Layer layer : List.of(new Add(), new Multiply())) {
            var x = GradientCheck.random(2, 3);
            var y = GradientCheck.random(2, 3);
            checkGradients(layer, in -> layer.apply(in, true).get(0), x, y);
            assertEquals(List.of(Shape.of(2, 3)), layer.outputShapes(List.of(x.shape(), y.shape())));
        }
        assertEquals(Shape.of(Shape.UNKNOWN, 4), new Add().apply(Input.of(4), Input.of(1)).shape());
    }

    @Test
    void concatenateJoinsAlongTheAxis() {
        var a = tensor(new double[] {1, 2, 3, 4}, 2, 2);
        var b = tensor(new double[] {5, 6}, 2, 1);
        var features = new Concatenate();
        assertValues(new double[] {1, 2, 5, 3, 4, 6}, features.apply(List.of(a, b), false).get(0), 0);
        var x = GradientCheck.random(2, 3, 2);
        var y = GradientCheck.random(2, 1, 2);
        var time = new Concatenate(1);
        assertEquals(Shape.of(2, 4, 2), time.apply(List.of(x, y), false).get(0).shape());
        checkGradients(time, in -> time.apply(in, true).get(0), x, y);
        assertEquals(List.of(Shape.of(2, 4, 2)), time.outputShapes(List.of(x.shape(), y.shape())));
        assertEquals(Shape.of(Shape.UNKNOWN, 7, 3), new Concatenate(1).apply(Input.of(3, 3), Input.of(4, 3)).shape());
        assertEquals(Shape.of(Shape.UNKNOWN, 3, 5), new Concatenate().apply(Input.of(3, 3), Input.of(3, 2)).shape());
    }

    @Test
    void masksAreAndedOrJoined() {
        var x = GradientCheck.random(1, 3, 2);
        var y = GradientCheck.random(1, 3, 2);
        var m1 = tensor(new double[] {1, 1, 0}, 1, 3);
        var m2 = tensor(new double[] {1, 0, 1}, 1, 3);
        var add = new Add();
        assertValues(new double[] {1, 0, 0}, Masks.of(add.apply(List.of(x, y), List.of(m1, m2), false).get(0)), 0);
        assertValues(new double[] {1, 1, 0}, Masks.of(add.apply(List.of(x, y), java.util.Arrays.asList(m1, null), false).get(0)), 0);
        assertNull(Masks.of(add.apply(List.of(x, y), false).get(0)));
        var features = new Concatenate();
        assertValues(new double[] {1, 0, 0}, Masks.of(features.apply(List.of(x, y), List.of(m1, m2), false).get(0)), 0);
        var time = new Concatenate(1);
        assertValues(new double[] {1, 1, 0, 1, 1, 1}, Masks.of(time.apply(List.of(x, y), java.util.Arrays.asList(m1, null), false).get(0)), 0);
    }

    @Test
    void configsAndShapeErrors() {
        assertEquals(new Add.Config(), new Add(new Add.Config()).config());
        assertEquals(new Multiply.Config(), new Multiply(new Multiply.Config()).config());
        assertEquals(new Concatenate.Config(-1), new Concatenate().config());
        assertEquals(new Concatenate.Config(1), new Concatenate(new Concatenate.Config(1)).config());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Add().apply(Input.of(3), Input.of(4))),
                "Add 'add_1' expects inputs of one shape", "[[None, 3], [None, 4]]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Multiply().apply(Input.of(3))),
                "expects at least 2 inputs", "[[None, 3]]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Concatenate().apply(Input.of(2, 3), Input.of(4, 3))),
                "Concatenate 'concatenate_2' expects inputs whose shapes agree except on axis -1", "[[None, 2, 3], [None, 4, 3]]");
        Tensor t = GradientCheck.random(2, 2);
        assertThrows(IllegalArgumentException.class, () -> new Concatenate(2).apply(List.of(t, t), false));
    }
}
