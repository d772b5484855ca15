package dev.kiln.layers;

import dev.kiln.core.DType;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Random;

/**
 * The dropout of the built-in cells (Keras's {@code DropoutRNNCell}): one mask for the inputs [B, C] and one for the
 * recurrent state [B, U], drawn when a sequence starts in training and applied at every step of it (the same units
 * are dropped through time). Keras 3 draws one mask per gate when recurrent dropout is on; here one mask serves all
 * gates. With a seed the masks come from a generator of the cell's own, so they repeat from run to run.
 */
final class RecurrentDropout {

    private final double rate;
    private final double recurrentRate;
    private final Random generator;   // null without a seed: Kiln's global generator
    private Tensor inputMask;         // [B, C] while a training sequence runs with rate > 0
    private Tensor recurrentMask;     // [B, U] while a training sequence runs with recurrentRate > 0

    RecurrentDropout(double rate, double recurrentRate, Long seed) {
        checkRate("dropout", rate);
        checkRate("recurrentDropout", recurrentRate);
        this.rate = rate;
        this.recurrentRate = recurrentRate;
        this.generator = seed == null ? null : new Random(seed);
    }

    static void checkRate(String name, double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException(name + " must be in [0, 1). Received: " + name + "=" + rate);
    }

    void start(Shape stepInputShape, long units, DType dtype, boolean training) {
        long batch = stepInputShape.get(0);
        inputMask = training && rate > 0 ? mask(Shape.of(batch, stepInputShape.get(1)), rate, dtype) : null;
        recurrentMask = training && recurrentRate > 0 ? mask(Shape.of(batch, units), recurrentRate, dtype) : null;
    }

    void end() {
        inputMask = null;
        recurrentMask = null;
    }

    /** Whether the recurrent state is dropped in the running sequence (no whole-sequence kernel does that). */
    boolean dropsRecurrentState() { return recurrentMask != null; }

    Tensor input(Tensor x) { return inputMask == null ? x : x.mul(inputMask); }

    Tensor recurrent(Tensor h) { return recurrentMask == null ? h : h.mul(recurrentMask); }

    /** The input mask applied to every step of a sequence [B, T, C]. */
    Tensor inputSequence(Tensor x) { return inputMask == null ? x : x.mul(inputMask.expandDims(1)); }

    private Tensor mask(Shape shape, double dropRate, DType dtype) {
        Tensor ones = Tensor.ones(shape, dtype);
        MemoryScope.adopt(ones);
        return NN.dropout(ones, dropRate, null, generator == null ? null : generator.nextLong());
    }
}
