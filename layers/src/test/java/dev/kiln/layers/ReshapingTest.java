package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Shape;
import dev.kiln.models.Input;
import org.junit.jupiter.api.Test;

class ReshapingTest extends LayerTesting {

    @Test
    void flattenKeepsTheBatchAndRowMajorOrder() {
        var x = GradientCheck.random(2, 3, 2);
        var flatten = new Flatten();
        assertValues(x.toDoubleArray(), flatten.apply(x), 0);
        assertEquals(Shape.of(2, 6), flatten.apply(x).shape());
        assertOutputShape(flatten, x);
        checkGradients(flatten, x);
        assertEquals(Shape.of(Shape.UNKNOWN, Shape.UNKNOWN), new Flatten().apply(Input.of(Shape.UNKNOWN, 4)).shape());
        assertEquals(Shape.of(3, 1), new Flatten().apply(GradientCheck.random(3)).shape());
        assertEquals(new Flatten.Config(), new Flatten(new Flatten.Config()).config());
    }

    @Test
    void reshapeInfersOneDimension() {
        var x = GradientCheck.random(2, 3, 4);
        var reshape = new Reshape(4, -1);
        assertEquals(Shape.of(2, 4, 3), reshape.apply(x).shape());
        assertValues(x.toDoubleArray(), reshape.apply(x), 0);
        assertOutputShape(reshape, x);
        checkGradients(reshape, x);
        assertEquals(Shape.of(Shape.UNKNOWN, 6, 2), new Reshape(6, 2).apply(Input.of(3, 4)).shape());
        var config = new Reshape.Config(Shape.of(2, -1, 3));
        assertEquals(config, new Reshape(config).config());
    }

    @Test
    void reshapeErrorsNameSizes() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Reshape(5, 2).apply(Input.of(3, 4))),
                "Reshape 'reshape' cannot reshape samples of 12 elements to [5, 2]", "Received: [None, 3, 4]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Reshape(-1, -1)), "one -1", "[None, None]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Reshape(5, -1).apply(Input.of(3, 4))), "12 elements");
    }
}
