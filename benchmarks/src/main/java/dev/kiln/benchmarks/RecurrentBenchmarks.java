package dev.kiln.benchmarks;

import dev.kiln.core.DType;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward + backward of the recurrent kernels over [B, 100, 64] inputs with 64 units, as the IMDB LSTM trains them:
 * ND4J's fused lstmLayer/lstmLayer_bp against the composed LSTM (one GEMM per step and a hand-written backward
 * through time), and the composed GRU in both reset modes. The LSTM layer picks its kernel from these numbers (see
 * LSTMCell). Milliseconds per forward + backward, each in a {@link MemoryScope} as the trainer runs it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn128m"})
public class RecurrentBenchmarks {

    static final int STEPS = 100;
    static final int FEATURES = 64;
    static final int UNITS = 64;

    @Param({"32"})
    public int batch;

    private Tensor inputs;            // [B, 100, 64]
    private Tensor postPadding;       // [B, 100]: sequence b holds 100 − b·(60 / B) steps of data, then padding
    private Tensor lstmKernel;        // [64, 256]
    private Tensor lstmRecurrent;     // [64, 256]
    private Tensor lstmBias;          // [256]
    private Tensor gruKernel;         // [64, 192]
    private Tensor gruRecurrent;      // [64, 192]
    private Tensor gruBiasAfter;      // [2, 192]
    private Tensor gruBiasBefore;     // [192]

    @Setup
    public void setUp() {
        Kiln.seed(1);
        inputs = Tensor.uniform(Shape.of(batch, STEPS, FEATURES), -1, 1, DType.FLOAT32).requiringGrad();
        double[] mask = new double[batch * STEPS];
        for (int b = 0; b < batch; b++) {
            int length = STEPS - b * 60 / batch;
            for (int t = 0; t < length; t++) mask[b * STEPS + t] = 1;
        }
        postPadding = Tensor.of(mask, batch, STEPS).cast(DType.FLOAT32);
        lstmKernel = weight(FEATURES, 4 * UNITS);
        lstmRecurrent = Tensor.parameter(Shape.of(UNITS, 4 * UNITS), Initializer.orthogonal(), DType.FLOAT32);
        lstmBias = weight(4 * UNITS);
        gruKernel = weight(FEATURES, 3 * UNITS);
        gruRecurrent = Tensor.parameter(Shape.of(UNITS, 3 * UNITS), Initializer.orthogonal(), DType.FLOAT32);
        gruBiasAfter = weight(2, 3 * UNITS);
        gruBiasBefore = weight(3 * UNITS);
    }

    private static Tensor weight(long... shape) {
        return Tensor.parameter(Shape.of(shape), Initializer.glorotUniform(), DType.FLOAT32);
    }

    /** Runs a sum and backward from {@code output} in the caller's scope; returns the loss so JMH keeps the work. */
    private static double step(Tensor output) {
        Tensor loss = output.sum();
        loss.backward();
        return loss.item();
    }

    /** ND4J's fused lstmLayer + lstmLayer_bp, loss on the last hidden state (a classifier head). */
    @Benchmark
    public double lstmFused() {
        try (var scope = MemoryScope.open()) {
            return step(NN.lstm(inputs, lstmKernel, lstmRecurrent, lstmBias, null, null, false).lastHidden());
        }
    }

    /** The composed LSTM, loss on the last hidden state. */
    @Benchmark
    public double lstmComposed() {
        try (var scope = MemoryScope.open()) {
            return step(NN.lstmComposed(inputs, lstmKernel, lstmRecurrent, lstmBias, null, null, null, false, false).lastHidden());
        }
    }

    /** The fused LSTM, loss on every step's output (a stacked or sequence-labelling layer). */
    @Benchmark
    public double lstmFusedSequence() {
        try (var scope = MemoryScope.open()) {
            return step(NN.lstm(inputs, lstmKernel, lstmRecurrent, lstmBias, null, null, false).sequence());
        }
    }

    /** The composed LSTM, loss on every step's output. */
    @Benchmark
    public double lstmComposedSequence() {
        try (var scope = MemoryScope.open()) {
            return step(NN.lstmComposed(inputs, lstmKernel, lstmRecurrent, lstmBias, null, null, null, false, true).sequence());
        }
    }

    /** The composed LSTM with a post-padding mask of varied lengths (the fused kernel needs sequence lengths for it). */
    @Benchmark
    public double lstmComposedMasked() {
        try (var scope = MemoryScope.open()) {
            return step(NN.lstmComposed(inputs, lstmKernel, lstmRecurrent, lstmBias, null, null, postPadding, false, false).lastHidden());
        }
    }

    /** The composed GRU, reset gate after the recurrent product (Keras's default), loss on the last hidden state. */
    @Benchmark
    public double gruResetAfter() {
        try (var scope = MemoryScope.open()) {
            return step(NN.gru(inputs, gruKernel, gruRecurrent, gruBiasAfter, null, null, false, false, true).lastHidden());
        }
    }

    /** The composed GRU, reset gate before the recurrent product (a second GEMM per step). */
    @Benchmark
    public double gruResetBefore() {
        try (var scope = MemoryScope.open()) {
            return step(NN.gru(inputs, gruKernel, gruRecurrent, gruBiasBefore, null, null, false, false, false).lastHidden());
        }
    }
}
