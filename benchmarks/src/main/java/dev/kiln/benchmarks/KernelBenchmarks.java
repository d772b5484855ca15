package dev.kiln.benchmarks;

import dev.kiln.core.DType;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.NN;
import dev.kiln.core.Padding;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.optim.Adam;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward + backward of Kiln's kernels at the IMDB workloads' shapes (batch 32, 100 steps), each in a
 * {@link MemoryScope} as the trainer runs them, an Adam step over W1's weights, and the machine's sgemm rate at
 * 1024³ on all threads and on one, the limits the products are compared with. Throughput in operations per
 * second; {@link KernelReport} prints GFLOP/s from them and {@link #FLOP_PER_OPERATION}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn128m"})
public class KernelBenchmarks {

    /** The floating-point operations of one call of the benchmarks that are products, by method name. */
    static final Map<String, Double> FLOP_PER_OPERATION = Map.of(
            "sgemm", 2.0 * 1024 * 1024 * 1024,
            "sgemmOneThread", 2.0 * 1024 * 1024 * 1024,
            "matmul", 3 * 2.0 * 3200 * 64 * 256,
            "dense", 3 * 2.0 * 3200 * 32 * 32,
            "conv1d", 3 * 2.0 * 32 * 100 * 5 * 16 * 32,
            "conv1dPrediction", 2.0 * 128 * 96 * 5 * 16 * 32,
            "lstm", 3 * 2.0 * 32 * 100 * (64 + 64) * 256);

    private Tensor square;            // [1024, 1024]
    private Tensor projectionInput;   // [3200, 64]: LSTM input projection of all steps
    private Tensor projectionKernel;  // [64, 256]
    private Tensor denseInput;        // [32, 100, 32]: W3's activations
    private Tensor denseKernel;       // [32, 32]
    private Tensor denseBias;         // [32]
    private Tensor tokens;            // [32, 100] token ids
    private Tensor embeddings;        // [10000, 16]
    private Tensor convInput;         // [32, 100, 16]
    private Tensor convKernel;        // [5, 16, 32]
    private Tensor convBias;          // [32]
    private Tensor predictionInput;   // [128, 100, 16]: one of the two parts of W1's prediction batch
    private Tensor poolInput;         // [32, 96, 32]
    private Tensor lstmInput;         // [32, 100, 64]
    private Tensor lstmKernel;        // [64, 256]
    private Tensor lstmRecurrent;     // [64, 256]
    private Tensor lstmBias;          // [256]
    private Tensor normInput;         // [32, 200, 32]
    private Tensor gamma;
    private Tensor beta;
    private List<Tensor> cnnWeights;  // W1's weights, with gradients
    private Adam adam;

    @Setup
    public void setUp() {
        Kiln.start();
        Kiln.seed(1);
        square = Tensor.uniform(Shape.of(1024, 1024), -1, 1, DType.FLOAT32);
        projectionInput = leaf(3200, 64);
        projectionKernel = weight(64, 256);
        denseInput = leaf(32, 100, 32);
        denseKernel = weight(32, 32);
        denseBias = weight(32);
        long[] ids = new long[32 * 100];
        for (int i = 0; i < ids.length; i++) ids[i] = Kiln.random().nextInt(10_000);
        tokens = Tensor.of(ids, 32, 100);
        embeddings = weight(10_000, 16);
        convInput = leaf(32, 100, 16);
        convKernel = weight(5, 16, 32);
        convBias = weight(32);
        predictionInput = Tensor.uniform(Shape.of(128, 100, 16), -1, 1, DType.FLOAT32);
        poolInput = leaf(32, 96, 32);
        lstmInput = leaf(32, 100, 64);
        lstmKernel = weight(64, 256);
        lstmRecurrent = weight(64, 256);
        lstmBias = weight(256);
        normInput = leaf(32, 200, 32);
        gamma = weight(32);
        beta = weight(32);
        cnnWeights = List.of(embeddings, convKernel, convBias, weight(32, 16), weight(16), weight(16, 1), weight(1));
        Tensor squares = null;
        for (Tensor w : cnnWeights) squares = squares == null ? w.mul(w).sum() : squares.add(w.mul(w).sum());
        squares.backward();                                     // gradients 2w, which Adam reads again at every step
        adam = new Adam(1e-3);
    }

    private static Tensor leaf(long... shape) {
        return Tensor.uniform(Shape.of(shape), -1, 1, DType.FLOAT32).requiringGrad();
    }

    private static Tensor weight(long... shape) {
        return Tensor.parameter(Shape.of(shape), Initializer.glorotUniform(), DType.FLOAT32);
    }

    /** Runs forward, a sum, and backward in one memory scope; returns the loss so JMH keeps the work. */
    private static double step(Tensor output) {
        Tensor loss = output.sum();
        loss.backward();
        return loss.item();
    }

    /** [1024, 1024]·[1024, 1024] forward, 2.1 GFLOP, on Kiln's path to OpenBLAS with all its threads: the limit. */
    @Benchmark
    public double sgemm() {
        try (var noGrad = Tensor.noGrad(); var scope = MemoryScope.open()) {
            return square.matmul(square).array().getDouble(0);
        }
    }

    /**
     * {@link #sgemm} on one OpenBLAS thread (a fork with {@code -Dkiln.threads=1}): the limit of the products Kiln runs
     * on one thread, those under 2^25 multiply-adds (CpuBlas.PARALLEL_WORK) and its own kernel's.
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn128m", "-Dkiln.threads=1"})
    public double sgemmOneThread() { return sgemm(); }

    /** [3200, 64]·[64, 256] forward and both gradients: 3 GEMMs of 2·3200·64·256 = 105 MFLOP each. */
    @Benchmark
    public double matmul() {
        try (var scope = MemoryScope.open()) {
            return step(projectionInput.matmul(projectionKernel));
        }
    }

    /**
     * Dense(32) on [32, 100, 32], forward and backward, as W3's projections and feed-forward layers: 3 GEMMs of
     * 2·3200·32·32 = 6.6 MFLOP. With the Vector API, Kiln's GEMM kernel (VectorGemm); with {@code -jvmArgsAppend
     * -Dkiln.vectorApi=false}, OpenBLAS.
     */
    @Benchmark
    public double dense() {
        try (var scope = MemoryScope.open()) {
            return step(NN.dense(denseInput, denseKernel, denseBias));
        }
    }

    /** Embedding(10000, 16) on [32, 100] tokens, forward and the segment-sum backward. */
    @Benchmark
    public double embedding() {
        try (var scope = MemoryScope.open()) {
            return step(NN.gather(embeddings, tokens));
        }
    }

    /** Conv1D(32, 5) on [32, 100, 16], same padding: forward 2·32·100·5·16·32 = 16.4 MFLOP, backward twice that. */
    @Benchmark
    public double conv1d() {
        try (var scope = MemoryScope.open()) {
            return step(NN.conv1d(convInput, convKernel, convBias, 1, Padding.SAME, 1));
        }
    }

    /**
     * Conv1D(32, 5, relu) on [128, 100, 16], valid padding, without a gradient: W1's prediction part, 2·128·96·80·32 =
     * 63 MFLOP. With the Vector API, a direct convolution; with {@code -jvmArgsAppend -Dkiln.vectorApi=false}, im2col
     * blocks and OpenBLAS.
     */
    @Benchmark
    public double conv1dPrediction() {
        try (var noGrad = Tensor.noGrad(); var scope = MemoryScope.open()) {
            return NN.conv1d(predictionInput, convKernel, convBias, 1, Padding.VALID, 1, true).sum().item();
        }
    }

    /** MaxPooling1D(2) on [32, 96, 32], forward and backward. */
    @Benchmark
    public double maxPool1d() {
        try (var scope = MemoryScope.open()) {
            return step(NN.maxPool1d(poolInput, 2, 2, Padding.VALID));
        }
    }

    /**
     * LSTM(64) over [32, 100, 64], forward and backward through time with the loss on the last state, in the kernel
     * the LSTM layer runs on the CPU (NN.lstmComposed): per step, 2·32·(64 + 64)·256 = 2.1 MFLOP of products forward
     * and twice that backward.
     */
    @Benchmark
    public double lstm() {
        try (var scope = MemoryScope.open()) {
            return step(NN.lstmComposed(lstmInput, lstmKernel, lstmRecurrent, lstmBias, null, null, null, false, false).lastHidden());
        }
    }

    /** LayerNormalization over the last axis of [32, 200, 32], forward and backward. */
    @Benchmark
    public double layerNorm() {
        try (var scope = MemoryScope.open()) {
            return step(NN.layerNormalization(normInput, gamma, beta, 1e-3));
        }
    }

    /** One Adam step over W1's seven weights (163,137 floats), from the gradients set up once. */
    @Benchmark
    public double adam() {
        adam.apply(cnnWeights);
        return convBias.array().getDouble(0);
    }
}
