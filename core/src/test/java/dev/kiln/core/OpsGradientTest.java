package dev.kiln.core;

import static dev.kiln.core.GradientCheck.check;
import static dev.kiln.core.GradientCheck.random;

import org.junit.jupiter.api.Test;

/** A float64 finite-difference gradient check for every op on Tensor, including broadcasting cases. */
class OpsGradientTest {

    private static Tensor positive(long... shape) {
        return Tensor.uniform(Shape.of(shape), 0.5, 2.0, DType.FLOAT64).requiringGrad();
    }

    // ---- arithmetic ----

    @Test
    void arithmeticSameShape() {
        check(in -> in.get(0).add(in.get(1)), random(2, 3), random(2, 3));
        check(in -> in.get(0).sub(in.get(1)), random(2, 3), random(2, 3));
        check(in -> in.get(0).mul(in.get(1)), random(2, 3), random(2, 3));
        check(in -> in.get(0).div(in.get(1)), random(2, 3), positive(2, 3));
    }

    @Test
    void arithmeticBroadcasting() {
        check(in -> in.get(0).add(in.get(1)), random(2, 3), random(3));
        check(in -> in.get(0).sub(in.get(1)), random(4, 1), random(2, 1, 3));
        check(in -> in.get(0).mul(in.get(1)), random(2, 1, 3), random(4, 1));
        check(in -> in.get(0).div(in.get(1)), random(2, 3), positive(2, 1));
        check(in -> in.get(0).mul(in.get(1)), random(2, 3), random(1));
    }

    @Test
    void scalarArithmetic() {
        check(in -> in.get(0).add(2.5).mul(-1.5).div(3.0).sub(1.0), random(3, 2));
        check(in -> in.get(0).rsub(1.0).neg(), random(3));
    }

    // ---- element-wise functions ----

    @Test
    void elementWiseFunctions() {
        check(in -> in.get(0).exp(), random(2, 3));
        check(in -> in.get(0).log(), positive(2, 3));
        check(in -> in.get(0).sqrt(), positive(2, 3));
        check(in -> in.get(0).pow(3), random(2, 3));
        check(in -> in.get(0).pow(-0.5), positive(4));
        check(in -> in.get(0).square(), random(5));
        check(in -> in.get(0).abs(), random(2, 3));
        check(in -> in.get(0).clip(-0.5, 0.5), random(3, 4));
    }

    @Test
    void minimumAndMaximumWithBroadcasting() {
        check(in -> in.get(0).maximum(in.get(1)), random(2, 3), random(2, 3));
        check(in -> in.get(0).minimum(in.get(1)), random(2, 3), random(3));
    }

    // ---- activations ----

    @Test
    void activations() {
        check(in -> in.get(0).relu(), random(3, 4));
        check(in -> in.get(0).sigmoid(), random(3, 4));
        check(in -> in.get(0).tanh(), random(3, 4));
        check(in -> in.get(0).elu(1.0), random(3, 4));
        check(in -> in.get(0).leakyRelu(0.2), random(3, 4));
        check(in -> in.get(0).softplus(), random(3, 4));
        check(in -> in.get(0).swish(), random(3, 4));
        check(in -> in.get(0).gelu(false), random(3, 4));
        check(in -> in.get(0).gelu(true), random(3, 4));
    }

    @Test
    void softmaxAndLogSoftmaxOverAnyAxis() {
        check(in -> in.get(0).softmax(-1), random(2, 3, 4));
        check(in -> in.get(0).softmax(1), random(2, 3, 4));
        check(in -> in.get(0).softmax(0), random(3, 2));
        check(in -> in.get(0).logSoftmax(-1), random(2, 5));
        check(in -> in.get(0).logSoftmax(0), random(3, 2));
    }

    // ---- reductions ----

    @Test
    void reductions() {
        check(in -> in.get(0).sum(), random(2, 3));
        check(in -> in.get(0).sum(1), random(2, 3, 4));
        check(in -> in.get(0).sum(true, 0, 2), random(2, 3, 4));
        check(in -> in.get(0).mean(-1), random(2, 3));
        check(in -> in.get(0).mean(true, 1), random(2, 3, 2));
        check(in -> in.get(0).mean(), random(4));
        check(in -> in.get(0).mean(true, 1, 2), random(2, 3, 2, 3));             // two adjacent axes: one run of rows
        check(in -> in.get(0).mean(false, 0, 2), random(2, 3, 2));              // not adjacent: ND4J's broadcast
        check(in -> in.get(0).max(1), random(2, 5));
        check(in -> in.get(0).max(true, 0, 1), random(3, 2, 2));
    }

    // ---- matrix products ----

    @Test
    void matmul() {
        check(in -> in.get(0).matmul(in.get(1)), random(2, 3), random(3, 4));
        check(in -> in.get(0).matmul(in.get(1)), random(2, 3, 4), random(4, 2));
        check(in -> in.get(0).matmul(in.get(1)), random(2, 3, 4), random(2, 4, 5));
        check(in -> in.get(0).matmul(in.get(1)), random(2, 2, 3, 2), random(2, 2, 2, 3));
        check(in -> in.get(0).matmul(in.get(1).transpose()), random(2, 3, 4), random(2, 5, 4));
        // attention's layout: heads permuted out of [B, T, N, H] and keys transposed, read in place as strided views
        check(in -> in.get(0).permute(0, 2, 1, 3).matmul(in.get(1).permute(0, 2, 3, 1)), random(2, 3, 2, 4), random(2, 5, 2, 4));
    }

    // ---- shape ----

    @Test
    void shapeOps() {
        check(in -> in.get(0).reshape(3, 2).mul(in.get(1)), random(2, 3), random(3, 2));
        check(in -> in.get(0).permute(2, 0, 1).mul(in.get(1)), random(2, 3, 4), random(4, 2, 3));
        check(in -> in.get(0).transpose().mul(in.get(1)), random(2, 3), random(3, 2));
        check(in -> in.get(0).slice(1, 1, 3), random(2, 4, 2));
        check(in -> Tensor.concat(1, in.get(0), in.get(1)), random(2, 2), random(2, 3));
        check(in -> Tensor.concat(0, in.get(0), in.get(1), in.get(0)), random(1, 3), random(2, 3));
        check(in -> Tensor.stack(1, in.get(0), in.get(1)), random(2, 3), random(2, 3));
        check(in -> in.get(0).expandDims(1).squeeze(1).mul(in.get(0)), random(2, 3));
        check(in -> in.get(0).expandDims(-1).mul(in.get(1)), random(2, 3), random(2, 3, 2));
    }
}
