package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void basics() {
        var a = GradientCheck.random(2, 3);
        var b = GradientCheck.random(3);
        GradientCheck.check(in -> in.get(0).mul(in.get(1)).add(in.get(0)).tanh(), a, b);
        var x = Tensor.of(new double[] {1, 2, 3}, 3).requiringGrad();
        var y = x.mul(x).sum();
        y.backward();
        assertEquals(2.0, x.grad().toDoubleArray()[0], 1e-12);
        assertEquals(6.0, x.grad().toDoubleArray()[2], 1e-12);
    }
}
