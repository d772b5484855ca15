package dev.kiln.benchmarks;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.AttentionOptions;
import dev.kiln.layers.Layer;
import dev.kiln.layers.MultiHeadAttention;
import dev.kiln.layers.TransformerEncoder;
import java.util.List;
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
 * Forward + backward of self-attention at [32, 200, 64] (batch 32, 200 steps, 64 features), with 2 heads of 32 and
 * 8 heads of 8, at W3's [32, 100, 32] with 2 heads of 16, and of the IMDB example's Transformer encoder block
 * ([32, 200, 32], 2 heads, feed-forward 32), each in a {@link MemoryScope} as the trainer runs them. Milliseconds
 * per forward + backward.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn128m"})
public class AttentionBenchmarks {

    private Tensor sequence;           // [32, 200, 64]
    private Tensor embedded;           // [32, 200, 32]
    private Tensor w3Embedded;         // [32, 100, 32]
    private MultiHeadAttention twoHeads;
    private MultiHeadAttention w3Heads;
    private MultiHeadAttention eightHeads;
    private TransformerEncoder encoder;

    @Setup
    public void setUp() {
        Kiln.seed(1);
        sequence = Tensor.uniform(Shape.of(32, 200, 64), -1, 1, DType.FLOAT32).requiringGrad();
        embedded = Tensor.uniform(Shape.of(32, 200, 32), -1, 1, DType.FLOAT32).requiringGrad();
        w3Embedded = Tensor.uniform(Shape.of(32, 100, 32), -1, 1, DType.FLOAT32).requiringGrad();
        twoHeads = new MultiHeadAttention(2, 32);
        w3Heads = new MultiHeadAttention(2, 16);
        eightHeads = new MultiHeadAttention(8, 8);
        encoder = new TransformerEncoder(32, 2);
        twoHeads.maybeBuild(List.of(sequence.shape(), sequence.shape()));
        eightHeads.maybeBuild(List.of(sequence.shape(), sequence.shape()));
        w3Heads.maybeBuild(List.of(w3Embedded.shape(), w3Embedded.shape()));
        encoder.maybeBuild(embedded.shape());
    }

    /** Runs backward from the output's sum after clearing the gradients; returns the sum so JMH keeps the work. */
    private static double step(Layer layer, Tensor input, Tensor output) {
        for (Tensor w : layer.trainableWeights()) w.zeroGrad();
        input.zeroGrad();
        Tensor loss = output.sum();
        loss.backward();
        return loss.item();
    }

    private static double selfAttention(MultiHeadAttention attention, Tensor x) {
        try (var scope = MemoryScope.open()) {
            return step(attention, x, attention.apply(List.of(x, x), AttentionOptions.NONE, true).get(0));
        }
    }

    /** MultiHeadAttention(2 heads, keyDim 32) on [32, 200, 64]: scores [32, 2, 200, 200]. */
    @Benchmark
    public double multiHeadAttention2Heads() { return selfAttention(twoHeads, sequence); }

    /** MultiHeadAttention(8 heads, keyDim 8) on [32, 200, 64]: scores [32, 8, 200, 200]. */
    @Benchmark
    public double multiHeadAttention8Heads() { return selfAttention(eightHeads, sequence); }

    /** MultiHeadAttention(2 heads, keyDim 16) on [32, 100, 32], W3's attention: scores [32, 2, 100, 100]. */
    @Benchmark
    public double multiHeadAttentionW3() { return selfAttention(w3Heads, w3Embedded); }

    /** TransformerEncoder(32, 2 heads) on [32, 200, 32], training mode: the IMDB Transformer example's block. */
    @Benchmark
    public double transformerEncoderImdb() {
        try (var scope = MemoryScope.open()) {
            return step(encoder, embedded, encoder.apply(embedded, true));
        }
    }
}
