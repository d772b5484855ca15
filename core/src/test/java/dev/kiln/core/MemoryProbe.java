package dev.kiln.core;

import java.util.ArrayList;

/**
 * Runs twice the given number of training-style steps in a JVM of its own and prints its resident memory after
 * the first half (warm-up) and at the end:
 * {@code warm=<bytes> end=<bytes> released=<arrays freed by the last step's scope>}. {@link MemoryTest} starts it
 * with a small pre-touched heap, so the Java heap's share of resident memory is constant and any growth is
 * native (ND4J's off-heap arrays).
 */
public final class MemoryProbe {

    public static void main(String[] args) {
        int steps = 2 * Integer.parseInt(args[0]);   // the first half warms up: the JIT's code grows for a few thousand steps
        boolean leak = args.length > 1 && args[1].equals("leak");
        Kiln.seed(0);
        var kernel = Tensor.parameter(Shape.of(64, 32), Initializer.glorotUniform(), DType.FLOAT32);
        var bias = Tensor.parameter(Shape.of(32), Initializer.zeros(), DType.FLOAT32);
        var target = Tensor.uniform(Shape.of(64, 32), -0.5, 0.5, DType.FLOAT32);
        var kept = new ArrayList<Tensor>();
        long warm = 0;
        int released = 0;
        for (int step = 0; step < steps; step++) {
            try (var scope = MemoryScope.open()) {
                var x = Tensor.uniform(Shape.of(64, 64), -1, 1, DType.FLOAT32);
                MemoryScope.adopt(x);                                   // the batch is a per-step temporary too
                var hidden = x.matmul(kernel).add(bias).tanh();
                var loss = hidden.sub(target).square().mean().add(hidden.sigmoid().mean());
                kernel.zeroGrad();
                bias.zeroGrad();
                loss.backward();
                kernel.array().subi(kernel.gradArray().muli(0.05));  // in-place SGD, as the optimizers update
                bias.array().subi(bias.gradArray().muli(0.05));
                if (leak) kept.add(scope.keep(x.mul(1.0)));             // a deliberate leak: one 16 KiB array per step
                released = scope.ownedCount();
            }
            if (step == steps / 2 - 1) warm = org.bytedeco.javacpp.Pointer.physicalBytes();
        }
        long end = org.bytedeco.javacpp.Pointer.physicalBytes();
        System.out.println("warm=" + warm + " end=" + end + " released=" + released + " kept=" + kept.size());
    }
}
