package dev.kiln.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Forward values of the ops against naive loops and formulas written out here. */
class NNValuesTest {

    @Test
    void softmaxRowsSumToOneAndMatchTheFormula() {
        var x = Tensor.of(new double[] {1, 2, 3, -1, 0, 1}, 2, 3);
        double[] s = x.softmax(-1).toDoubleArray();
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(2) / z, s[1], 1e-12);
        assertEquals(1.0, s[0] + s[1] + s[2], 1e-12);
        assertEquals(1.0, s[3] + s[4] + s[5], 1e-12);
        assertArrayEquals(x.softmax(-1).log().toDoubleArray(), x.logSoftmax(-1).toDoubleArray(), 1e-12);
    }

    @Test
    void softmaxOfRowsFarBelowZeroInBothFloatTypes() {
        double e = Math.exp(-1);
        double[] expected = {1 / (1 + e), e / (1 + e), 1 / (1 + e), e / (1 + e), 0.5, 0.5};
        var x = Tensor.of(new double[] {-800, -801, -1e4, -1e4 - 1, -1e9, -1e9}, 3, 2);
        assertArrayEquals(expected, x.softmax(-1).toDoubleArray(), 1e-9);
        assertArrayEquals(expected, x.cast(DType.FLOAT32).softmax(-1).toDoubleArray(), 1e-6);
        assertArrayEquals(expected, x.reshape(3, 1, 2).softmax(-1).toDoubleArray(), 1e-9);
        GradientCheck.check(in -> in.get(0).sub(1000).softmax(-1), GradientCheck.random(2, 3));
    }

    @Test
    void geluExactAndApproximateAsKeras() {
        var x = Tensor.of(new double[] {1.0, -0.5}, 2);
        double[] exact = x.gelu(false).toDoubleArray();
        double[] approx = x.gelu(true).toDoubleArray();
        assertEquals(0.8413447460685429, exact[0], 1e-9);
        assertEquals(-0.15426876936299344, exact[1], 1e-9);
        assertEquals(0.8411919906082768, approx[0], 1e-9);
    }

    @Test
    void activationValues() {
        var x = Tensor.of(new double[] {-2, 0.5}, 2);
        assertArrayEquals(new double[] {Math.exp(-2) - 1, 0.5}, x.elu(1.0).toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {-0.4, 0.5}, x.leakyRelu(0.2).toDoubleArray(), 1e-7);   // ND4J keeps alpha in float32
        assertArrayEquals(new double[] {Math.log1p(Math.exp(-2)), Math.log1p(Math.exp(0.5))}, x.softplus().toDoubleArray(), 1e-9);
        assertArrayEquals(new double[] {-2 / (1 + Math.exp(2)), 0.5 / (1 + Math.exp(-0.5))}, x.swish().toDoubleArray(), 1e-9);
        assertArrayEquals(new double[] {0, 0.5}, x.relu().toDoubleArray(), 0);
    }

    @Test
    void conv1dMatchesANaiveLoopForEveryPaddingInBothFloatTypesAndBothPaths() {
        Kiln.seed(1);
        var x = Tensor.uniform(Shape.of(2, 7, 3), -1, 1, DType.FLOAT64);
        var w = Tensor.uniform(Shape.of(3, 3, 4), -1, 1, DType.FLOAT64);
        var b = Tensor.uniform(Shape.of(4), -1, 1, DType.FLOAT64);
        for (boolean hostLoops : new boolean[] {true, false}) {
            HostLoops.force(hostLoops);
            try {
                for (Padding padding : Padding.values()) {
                    for (int stride : new int[] {1, 2}) {
                        for (int dilation : new int[] {1, 2}) {
                            if (stride > 1 && dilation > 1) continue;   // Keras rejects strides > 1 together with dilation > 1
                            double[] expected = naiveConv1d(x, w, b, stride, padding, dilation);
                            String label = padding + " stride " + stride + " dilation " + dilation + " host loops " + hostLoops;
                            assertArrayEquals(expected, NN.conv1d(x, w, b, stride, padding, dilation).toDoubleArray(), 1e-12, label);
                            var float32 = NN.conv1d(x.cast(DType.FLOAT32), w.cast(DType.FLOAT32), b.cast(DType.FLOAT32), stride, padding, dilation);
                            assertArrayEquals(expected, float32.toDoubleArray(), 1e-5, label + " float32");
                        }
                    }
                }
            } finally {
                HostLoops.force(null);
            }
        }
    }

    /**
     * Prediction's float32 conv1d equals the training path in both of its ways: im2col blocks with the bias as a
     * column of ones (over more rows than one block holds), and the Vector API's direct convolution for undilated
     * kernels (filters padded to whole vectors, with a row count that is not a multiple of its four rows); for every
     * padding, stride and dilation, with and without bias, and with relu fused into the output.
     */
    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void conv1dPredictionPathMatchesTheTrainingPath(boolean vectorApi) {
        Kiln.seed(5);
        var x = Tensor.uniform(Shape.of(120, 61, 5), -1, 1, DType.FLOAT32);   // 7,200-7,320 rows: two im2col blocks
        boolean before = HostMath.usesVectorApi();
        HostMath.useVectorApi(vectorApi);
        try {
            for (int filters : new int[] {6, 40}) {                            // part of a vector; two and a half of 16
                var w = Tensor.uniform(Shape.of(4, 5, filters), -1, 1, DType.FLOAT32);
                var b = Tensor.uniform(Shape.of(filters), -1, 1, DType.FLOAT32);
                for (Padding padding : Padding.values()) {
                    for (int[] strideAndDilation : new int[][] {{1, 1}, {2, 1}, {1, 2}}) {
                        for (Tensor bias : new Tensor[] {b, null}) {
                            int stride = strideAndDilation[0], dilation = strideAndDilation[1];
                            String name = padding + " stride " + stride + " dilation " + dilation + " filters " + filters + (bias == null ? " no bias" : "");
                            Tensor predicted = NN.conv1d(x, w, bias, stride, padding, dilation);
                            assertFalse(Tensor.recordsGradient(x, w, bias));
                            Tensor trained = NN.conv1d(x, w.requiringGrad(), bias, stride, padding, dilation);
                            assertTrue(trained.requiresGrad());
                            assertEquals(trained.shape(), predicted.shape(), name);
                            assertArrayEquals(trained.toDoubleArray(), predicted.toDoubleArray(), 1e-5, name);
                            Tensor predictedRelu = NN.conv1d(x, w, bias, stride, padding, dilation, true);
                            assertArrayEquals(trained.relu().toDoubleArray(), predictedRelu.toDoubleArray(), 1e-5, name + " relu");
                        }
                    }
                }
            }
        } finally {
            HostMath.useVectorApi(before);
        }
    }

    /**
     * The float32 attention kernel (block by block, never holding the scores) equals ND4J's composed path, forward
     * and backward, without and with dropout on the weights (the composed path multiplied by the kernel's own draw),
     * and a naive loop; with no mask, masks that broadcast along each axis, a query row whose every key is masked
     * (all-zero weights, as Keras) and a key that is a permuted view. In both of the kernel's ways: its products in
     * the Vector API on the heap (at depths narrower than a vector), and through BLAS.
     */
    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void dotProductAttentionKernelMatchesTheComposedPathForwardAndBackwardAndTheFormula(boolean vectorApi) {
        boolean before = HostMath.usesVectorApi();
        HostMath.useVectorApi(vectorApi);
        try {
            attentionKernelMatchesTheComposedPathAndTheFormula();
        } finally {
            HostMath.useVectorApi(before);
        }
    }

    private static void attentionKernelMatchesTheComposedPathAndTheFormula() {
        Kiln.seed(7);
        int batch = 3, tq = 5, tk = 7, heads = 2, depth = 4, valueDepth = 3;
        var query = Tensor.uniform(Shape.of(batch, tq, heads, depth), -2, 2, DType.FLOAT32);
        var key = Tensor.uniform(Shape.of(batch, heads, tk, depth), -2, 2, DType.FLOAT32).permute(0, 2, 1, 3);
        var value = Tensor.uniform(Shape.of(batch, tk, heads, valueDepth), -1, 1, DType.FLOAT32);
        var lossWeights = Tensor.uniform(Shape.of(batch, tq, heads, valueDepth), -1, 1, DType.FLOAT32);
        double[] full = new double[batch * tq * tk];
        for (int i = 0; i < full.length; i++) full[i] = (i * 7) % 10 < 7 ? 1 : 0;       // 70% kept, in an irregular pattern
        for (int j = 0; j < tk; j++) full[(tq + 2) * tk + j] = 0;           // batch 1, query 2 attends to nothing
        Tensor[] masks = {null, mask(batch, tq, 1, full), mask(batch, 1, tk, full), mask(1, tq, tk, full), mask(batch, tq, tk, full)};
        long seed = 11;
        for (double rate : new double[] {0, 0.3}) {
            Tensor dropped = rate == 0 ? null : droppedWeights(seed, rate, Shape.of(batch, heads, tq, tk));
            for (Tensor mask : masks) {
                String name = (mask == null ? "no mask" : "mask " + mask.shape()) + ", dropout " + rate;
                List<double[]> kernel = attentionAndGradients(true, in -> NN.dotProductAttention(in.get(0), in.get(1), in.get(2), mask, rate, seed),
                        lossWeights, query, key, value);
                List<double[]> composed = attentionAndGradients(false, in -> {
                    Tensor weights = NN.attentionWeights(in.get(0), in.get(1), mask);
                    if (dropped != null) weights = weights.mul(dropped);
                    return weights.matmul(in.get(2).permute(0, 2, 1, 3)).permute(0, 2, 1, 3);
                }, lossWeights, query, key, value);
                for (int i = 0; i < 4; i++) assertArrayEquals(composed.get(i), kernel.get(i), 1e-5, name + (i == 0 ? " output" : " gradient " + i));
                Tensor predicted = NN.dotProductAttention(query, key, value, mask, rate, seed);
                assertEquals(Shape.of(batch, tq, heads, valueDepth), predicted.shape(), name);
                assertArrayEquals(kernel.get(0), predicted.toDoubleArray(), 0, name + " without a gradient");
                if (rate == 0) assertArrayEquals(naiveAttention(query, key, value, mask), predicted.toDoubleArray(), 1e-5, name);
            }
        }
        double[] context = NN.dotProductAttention(query, key, value, masks[4]).toDoubleArray();
        for (int i = 0; i < heads * valueDepth; i++) assertEquals(0, context[(tq + 2) * heads * valueDepth + i], "fully masked query");
    }

    /**
     * With two Kiln threads, the attention kernel splits a batch with enough work into parts that run side by side
     * (each block on one thread, with its own stream of the dropout draw): forward and backward equal one thread's.
     */
    @Test
    void dotProductAttentionInPartsEqualsOnePart() {
        Kiln.seed(8);
        int batch = 4, steps = 64, heads = 2, depth = 64;       // 4·2·64·64·(64 + 64) multiply-adds: two parts' worth
        var query = Tensor.uniform(Shape.of(batch, steps, heads, depth), -0.5, 0.5, DType.FLOAT32);
        var key = Tensor.uniform(Shape.of(batch, steps, heads, depth), -0.5, 0.5, DType.FLOAT32);
        var value = Tensor.uniform(Shape.of(batch, steps, heads, depth), -1, 1, DType.FLOAT32);
        var lossWeights = Tensor.uniform(Shape.of(batch, steps, heads, depth), -1, 1, DType.FLOAT32);
        Function<List<Tensor>, Tensor> attention = in -> NN.dotProductAttention(in.get(0), in.get(1), in.get(2), null, 0.2, 4L);
        try {
            System.setProperty("kiln.threads", "2");
            long work = (long) batch * heads * steps * steps * 2 * depth;
            assertEquals(2, SideBySide.parts(work / AttentionKernel.MIN_WORK_PER_PART, 1), "the shapes give two parts");
            List<double[]> inParts = attentionAndGradients(true, attention, lossWeights, query, key, value);
            System.setProperty("kiln.threads", "1");
            List<double[]> whole = attentionAndGradients(true, attention, lossWeights, query, key, value);
            for (int i = 0; i < 4; i++) assertArrayEquals(whole.get(i), inParts.get(i), 0, i == 0 ? "output" : "gradient " + i);
        } finally {
            System.clearProperty("kiln.threads");
        }
    }

    /**
     * The dropout draw keeps about 1 − rate of the values, scales them by 1 / (1 − rate), repeats for the same seed and
     * stream, and differs for another seed or another stream.
     */
    @Test
    void dropoutDrawKeepsOneMinusTheRateAndRepeatsWithItsSeedAndStream() {
        int count = 200_001;
        float[] draw = new float[count], same = new float[count], otherSeed = new float[count], otherStream = new float[count];
        new DropoutDraw(5, 0.1).fill(draw, count, 3);
        new DropoutDraw(5, 0.1).fill(same, count, 3);
        new DropoutDraw(6, 0.1).fill(otherSeed, count, 3);
        new DropoutDraw(5, 0.1).fill(otherStream, count, 4);
        assertArrayEquals(draw, same);
        int kept = 0, differSeed = 0, differStream = 0;
        for (int i = 0; i < count; i++) {
            assertTrue(draw[i] == 0 || draw[i] == (float) (1 / 0.9), "kept values are scaled by 1 / (1 - rate): " + draw[i]);
            kept += draw[i] != 0 ? 1 : 0;
            differSeed += (draw[i] != 0) != (otherSeed[i] != 0) ? 1 : 0;
            differStream += (draw[i] != 0) != (otherStream[i] != 0) ? 1 : 0;
        }
        assertEquals(0.9, kept / (double) count, 0.004);           // 0.9 ± 6 standard deviations
        assertEquals(2 * 0.9 * 0.1, differSeed / (double) count, 0.004);      // independent draws disagree this often
        assertEquals(2 * 0.9 * 0.1, differStream / (double) count, 0.004);
    }

    /** The kernel's dropout draw for {@code seed} as [B, N, Tq, Tk] factors: block b·N + h takes its stream. */
    private static Tensor droppedWeights(long seed, double rate, Shape shape) {
        int blocks = (int) (shape.get(0) * shape.get(1)), block = (int) (shape.get(2) * shape.get(3));
        float[] factors = new float[blocks * block], blockFactors = new float[block];
        for (int i = 0; i < blocks; i++) {
            new DropoutDraw(seed, rate).fill(blockFactors, block, i);
            System.arraycopy(blockFactors, 0, factors, i * block, block);
        }
        return Tensor.of(factors, shape.dims());
    }

    /** f's output and the gradients of Σ output·lossWeights for each input, with the host kernels on or off. */
    private static List<double[]> attentionAndGradients(boolean hostLoops, Function<List<Tensor>, Tensor> f, Tensor lossWeights, Tensor... inputs) {
        HostLoops.force(hostLoops);
        try {
            List<Tensor> leaves = Arrays.stream(inputs).map(Tensor::requiringGrad).toList();
            Tensor out = f.apply(leaves);
            out.mul(lossWeights).sum().backward();
            var results = new ArrayList<double[]>(List.of(out.toDoubleArray()));
            for (Tensor leaf : leaves) results.add(leaf.grad().toDoubleArray());
            return results;
        } finally {
            HostLoops.force(null);
        }
    }

    /** The [b, q, k] mask of {@code full} [B, Tq, Tk] at index 0 along axes whose size is 1. */
    private static Tensor mask(int batch, int tq, int tk, double[] full) {
        int fullTq = 5, fullTk = 7;
        double[] values = new double[batch * tq * tk];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < tq; i++) for (int j = 0; j < tk; j++) values[(b * tq + i) * tk + j] = full[(b * fullTq + i) * fullTk + j];
        }
        return Tensor.of(values, batch, tq, tk).cast(DType.FLOAT32);
    }

    /** Σ_j softmax_j(q·k_j masked)·v_j per batch element, query step and head, in double, as Keras masks. */
    private static double[] naiveAttention(Tensor query, Tensor key, Tensor value, Tensor mask) {
        Shape q = query.shape();
        int batch = (int) q.get(0), tq = (int) q.get(1), heads = (int) q.get(2), depth = (int) q.get(3);
        int tk = (int) key.shape().get(1), valueDepth = (int) value.shape().get(3);
        double[] qv = query.toDoubleArray(), kv = key.toDoubleArray(), vv = value.toDoubleArray();
        double[] mv = mask == null ? null : mask.toDoubleArray();
        Shape ms = mask == null ? null : mask.shape();
        double[] out = new double[batch * tq * heads * valueDepth];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < tq; i++) {
                for (int h = 0; h < heads; h++) {
                    double[] weights = new double[tk], keep = new double[tk];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < tk; j++) {
                        keep[j] = mv == null ? 1 : mv[(int) ((ms.get(0) == 1 ? 0 : b) * ms.get(1) * ms.get(2) + (ms.get(1) == 1 ? 0 : i) * ms.get(2) + (ms.get(2) == 1 ? 0 : j))];
                        double s = 0;
                        for (int d = 0; d < depth; d++) s += qv[((b * tq + i) * heads + h) * depth + d] * kv[((b * tk + j) * heads + h) * depth + d];
                        weights[j] = s + (1 - keep[j]) * -1e9;
                        max = Math.max(max, weights[j]);
                    }
                    for (int j = 0; j < tk; j++) sum += weights[j] = Math.exp(weights[j] - max);
                    for (int j = 0; j < tk; j++) {
                        for (int e = 0; e < valueDepth; e++) {
                            out[((b * tq + i) * heads + h) * valueDepth + e] += weights[j] / sum * keep[j] * vv[((b * tk + j) * heads + h) * valueDepth + e];
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * Prediction's float32 max pooling and reduce-max (values only) equal the training path's argmax and gather, in
     * both ways of comparing rows (lined up by copies, or in the Vector API's lanes with a scalar tail): 4 channels,
     * and 20, one vector of 16 and 4 more.
     */
    @ParameterizedTest(name = "Vector API {0}")
    @ValueSource(booleans = {false, true})
    void maxPoolPredictionPathMatchesTheTrainingPath(boolean vectorApi) {
        Kiln.seed(6);
        boolean before = HostMath.usesVectorApi();
        HostMath.useVectorApi(vectorApi);
        try {
            for (int channels : new int[] {4, 20}) {
                var x = Tensor.uniform(Shape.of(3, 11, channels), -1, 1, DType.FLOAT32);
                for (Padding padding : new Padding[] {Padding.VALID, Padding.SAME}) {
                    for (int[] poolAndStride : new int[][] {{2, 2}, {3, 1}, {3, 2}}) {
                        Tensor predicted = NN.maxPool1d(x, poolAndStride[0], poolAndStride[1], padding);
                        Tensor trained = NN.maxPool1d(x.requiringGrad(), poolAndStride[0], poolAndStride[1], padding);
                        String name = padding + " " + poolAndStride[0] + "/" + poolAndStride[1] + ", " + channels + " channels";
                        assertArrayEquals(trained.toDoubleArray(), predicted.toDoubleArray(), 0, name);
                    }
                }
                assertArrayEquals(x.requiringGrad().max(1).toDoubleArray(), x.max(1).toDoubleArray(), 0, "reduce-max, " + channels + " channels");
            }
        } finally {
            HostMath.useVectorApi(before);
        }
    }

    @Test
    void reluAndItsGradientAtZeroAndBothSignsInBothFloatTypesAndBothPaths() {
        double[] values = {-2, -0.0, 0.0, 0.5, 3};
        for (boolean hostLoops : new boolean[] {true, false}) {
            HostLoops.force(hostLoops);
            try {
                for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    var x = Tensor.of(values, 5).cast(type).requiringGrad();
                    var y = x.relu();
                    y.mul(Tensor.of(new double[] {1, 2, 3, 4, 5}, 5).cast(type)).sum().backward();
                    String label = type + " host loops " + hostLoops;
                    assertArrayEquals(new double[] {0, 0, 0, 0.5, 3}, y.toDoubleArray(), 0, label);
                    assertArrayEquals(new double[] {0, 0, 0, 4, 5}, x.grad().toDoubleArray(), 0, label);
                    var own = Tensor.of(values, 5).cast(type);
                    assertSame(own, own.reluInPlace());
                    assertArrayEquals(new double[] {0, 0, 0, 0.5, 3}, own.toDoubleArray(), 0, label + " in place");
                    assertThrows(IllegalStateException.class, x::reluInPlace);
                }
            } finally {
                HostLoops.force(null);
            }
        }
    }

    /**
     * Float32 dense equals float64 in values and gradients, 2-D and 3-D: 3 units (BLAS, the bias added and summed by
     * BLAS on the CPU) and two vectors of units (with the Vector API, Kiln's GEMM with the bias in its accumulators).
     */
    @Test
    void float32DenseMatchesFloat64InValuesAndGradients() {
        Kiln.seed(10);
        for (int units : new int[] {3, 2 * VectorMath.lanes()}) {
            float32DenseMatchesFloat64(Tensor.uniform(Shape.of(4, units), -1, 1, DType.FLOAT64), Tensor.uniform(Shape.of(units), -1, 1, DType.FLOAT64));
        }
    }

    private static void float32DenseMatchesFloat64(Tensor kernel, Tensor bias) {
        for (Shape shape : new Shape[] {Shape.of(5, 4), Shape.of(2, 5, 4)}) {
            var x = Tensor.uniform(shape, -1, 1, DType.FLOAT64);
            var in64 = List.of(x.requiringGrad(), kernel.requiringGrad(), bias.requiringGrad());
            var in32 = in64.stream().map(t -> t.cast(DType.FLOAT32).requiringGrad()).toList();
            Tensor y64 = NN.dense(in64.get(0), in64.get(1), in64.get(2)), y32 = NN.dense(in32.get(0), in32.get(1), in32.get(2));
            assertArrayEquals(y64.toDoubleArray(), y32.toDoubleArray(), 1e-6, shape.toString());
            var weights = Tensor.uniform(y64.shape(), -1, 1, DType.FLOAT64);
            y64.mul(weights).sum().backward();
            y32.mul(weights.cast(DType.FLOAT32)).sum().backward();
            for (int k = 0; k < 3; k++) assertArrayEquals(in64.get(k).grad().toDoubleArray(), in32.get(k).grad().toDoubleArray(), 1e-5);
        }
    }

    /** Float32 max along each axis (a host loop on the CPU) equals float64's, with and without the axis kept. */
    @Test
    void float32MaxAlongEachAxisMatchesFloat64() {
        Kiln.seed(9);
        var x = Tensor.uniform(Shape.of(3, 4, 5), -2, 2, DType.FLOAT64);
        for (int axis = 0; axis < 3; axis++) {
            for (boolean keep : new boolean[] {false, true}) {
                Tensor y64 = x.max(keep, axis), y32 = x.cast(DType.FLOAT32).max(keep, axis);
                assertEquals(y64.shape(), y32.shape());
                assertArrayEquals(y64.toDoubleArray(), y32.toDoubleArray(), 1e-7, "axis " + axis + " keep " + keep);
            }
        }
    }

    /** The float32 host loops (softmax's and max's gradients) agree with float64, also after a larger array used the scratch. */
    @Test
    void float32GradientsOfSoftmaxAndMaxMatchFloat64() {
        Kiln.seed(3);
        var large = Tensor.uniform(Shape.of(4, 50, 8), -1, 1, DType.FLOAT32).requiringGrad();
        large.max(1).sum().backward();
        var x = Tensor.uniform(Shape.of(2, 3, 5), -2, 2, DType.FLOAT64);
        for (var op : List.<Function<Tensor, Tensor>>of(t -> t.softmax(-1), t -> t.max(1))) {
            var x64 = x.requiringGrad();
            var x32 = x.cast(DType.FLOAT32).requiringGrad();
            Tensor y64 = op.apply(x64), y32 = op.apply(x32);
            var weights = Tensor.uniform(y64.shape(), -1, 1, DType.FLOAT64);
            y64.mul(weights).sum().backward();
            y32.mul(weights.cast(DType.FLOAT32)).sum().backward();
            assertArrayEquals(x64.grad().toDoubleArray(), x32.grad().toDoubleArray(), 1e-5);
        }
    }

    /** Batched matmul on permuted views in float32: the cblas slices read in place agree with ND4J's matmul. */
    @Test
    void batchedMatmulOfPermutedFloat32ViewsMatchesNd4j() {
        Kiln.seed(4);
        var q = Tensor.uniform(Shape.of(2, 5, 3, 4), -1, 1, DType.FLOAT32).permute(0, 2, 1, 3);   // [B, N, T, H]
        var k = Tensor.uniform(Shape.of(2, 6, 3, 4), -1, 1, DType.FLOAT32).permute(0, 2, 3, 1);   // [B, N, H, S]
        double[] host = q.matmul(k).toDoubleArray();
        HostLoops.force(false);
        try {
            assertArrayEquals(q.matmul(k).toDoubleArray(), host, 1e-5);
        } finally {
            HostLoops.force(null);
        }
    }

    private static double[] naiveConv1d(Tensor x, Tensor w, Tensor b, int stride, Padding padding, int dilation) {
        int batch = (int) x.size(0), steps = (int) x.size(1), channels = (int) x.size(2);
        int k = (int) w.size(0), filters = (int) w.size(2);
        int extent = (k - 1) * dilation + 1;
        int outSteps = (int) padding.outputLength(steps, extent, stride);
        int left = switch (padding) {
            case VALID -> 0;
            case CAUSAL -> extent - 1;
            case SAME -> Math.max(0, (outSteps - 1) * stride + extent - steps) / 2;   // the extra pad goes right
        };
        double[] xv = x.toDoubleArray(), wv = w.toDoubleArray(), bv = b.toDoubleArray();
        double[] out = new double[batch * outSteps * filters];
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < outSteps; t++)
                for (int f = 0; f < filters; f++) {
                    double sum = bv[f];
                    for (int j = 0; j < k; j++) {
                        int src = t * stride + j * dilation - left;
                        if (src < 0 || src >= steps) continue;
                        for (int c = 0; c < channels; c++) sum += xv[(n * steps + src) * channels + c] * wv[(j * channels + c) * filters + f];
                    }
                    out[(n * outSteps + t) * filters + f] = sum;
                }
        return out;
    }

    @Test
    void poolingMatchesANaiveLoop() {
        var x = Tensor.of(new double[] {1, -1, 3, 2, 0, 5, -2, 4, 7, 1}, 1, 5, 2);
        // valid, pool 2, stride 2 → windows {t0,t1}, {t2,t3}
        assertArrayEquals(new double[] {3, 2, 0, 5}, NN.maxPool1d(x, 2, 2, Padding.VALID).toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 0.5, -1, 4.5}, NN.averagePool1d(x, 2, 2, Padding.VALID).toDoubleArray(), 1e-12);
        // same, pool 2, stride 2 → a third window {t4} alone; the average excludes the padding
        assertArrayEquals(new double[] {3, 2, 0, 5, 7, 1}, NN.maxPool1d(x, 2, 2, Padding.SAME).toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 0.5, -1, 4.5, 7, 1}, NN.averagePool1d(x, 2, 2, Padding.SAME).toDoubleArray(), 1e-12);
    }

    @Test
    void layerNormalizationMatchesTheFormula() {
        var x = Tensor.of(new double[] {1, 2, 4, -1, -1, -1}, 2, 3);
        var gamma = Tensor.of(new double[] {1, 2, 0.5}, 3);
        var beta = Tensor.of(new double[] {0, 1, -1}, 3);
        double[] y = NN.layerNormalization(x, gamma, beta, 1e-3).toDoubleArray();
        double mean = 7.0 / 3, variance = ((1 - mean) * (1 - mean) + (2 - mean) * (2 - mean) + (4 - mean) * (4 - mean)) / 3;
        double inv = 1 / Math.sqrt(variance + 1e-3);
        assertArrayEquals(new double[] {(1 - mean) * inv, (2 - mean) * inv * 2 + 1, (4 - mean) * inv * 0.5 - 1}, new double[] {y[0], y[1], y[2]}, 1e-12);
        assertArrayEquals(new double[] {0, 1, -1}, new double[] {y[3], y[4], y[5]}, 1e-12);   // a constant row gives beta
        var wide = Tensor.uniform(Shape.of(3, 2, 7), -3, 3, DType.FLOAT64);                      // rows of 7: four lanes and a tail
        var wideGamma = Tensor.uniform(Shape.of(7), -1, 1, DType.FLOAT64);
        var wideBeta = Tensor.uniform(Shape.of(7), -1, 1, DType.FLOAT64);
        for (Tensor[] gammaBeta : new Tensor[][] {{wideGamma, wideBeta}, {null, null}, {wideGamma, null}}) {
            Tensor g = gammaBeta[0], b = gammaBeta[1];
            double[] float64 = NN.layerNormalization(wide, g, b, 1e-3).toDoubleArray();
            double[] float32 = NN.layerNormalization(wide.cast(DType.FLOAT32), g == null ? null : g.cast(DType.FLOAT32),
                    b == null ? null : b.cast(DType.FLOAT32), 1e-3).toDoubleArray();
            assertArrayEquals(float64, float32, 1e-5);
        }
    }

    @Test
    void lstmMatchesAStepByStepCompositionOfKerasEquations() {
        Kiln.seed(2);
        int batch = 2, steps = 4, features = 3, units = 5;
        var x = Tensor.uniform(Shape.of(batch, steps, features), -1, 1, DType.FLOAT64);
        var kernel = Tensor.uniform(Shape.of(features, 4 * units), -0.5, 0.5, DType.FLOAT64);
        var recurrent = Tensor.uniform(Shape.of(units, 4 * units), -0.5, 0.5, DType.FLOAT64);
        var bias = Tensor.uniform(Shape.of(4 * units), -0.5, 0.5, DType.FLOAT64);
        var fused = NN.lstm(x, kernel, recurrent, bias, null, null, false);

        var h = Tensor.zeros(Shape.of(batch, units), DType.FLOAT64);
        var c = Tensor.zeros(Shape.of(batch, units), DType.FLOAT64);
        for (int t = 0; t < steps; t++) {
            var z = x.slice(1, t, t + 1).reshape(batch, features).matmul(kernel).add(h.matmul(recurrent)).add(bias);
            var i = z.slice(1, 0, units).sigmoid();
            var f = z.slice(1, units, 2 * units).sigmoid();
            var candidate = z.slice(1, 2 * units, 3 * units).tanh();
            var o = z.slice(1, 3 * units, 4 * units).sigmoid();
            c = f.mul(c).add(i.mul(candidate));
            h = o.mul(c.tanh());
            double[] expectedStep = h.toDoubleArray();
            double[] actualStep = fused.sequence().slice(1, t, t + 1).toDoubleArray();
            assertArrayEquals(expectedStep, actualStep, 1e-12, "step " + t);
        }
        assertArrayEquals(h.toDoubleArray(), fused.lastHidden().toDoubleArray(), 1e-12);
        assertArrayEquals(c.toDoubleArray(), fused.lastCell().toDoubleArray(), 1e-12);
    }

    @Test
    void lossValues() {
        var logits = Tensor.of(new double[] {2.0, -1.0}, 2);
        var labels = Tensor.of(new double[] {1, 0}, 2);
        double[] bce = NN.sigmoidCrossEntropyWithLogits(logits, labels).toDoubleArray();
        assertEquals(-Math.log(1 / (1 + Math.exp(-2))), bce[0], 1e-12);
        assertEquals(-Math.log(1 - 1 / (1 + Math.exp(1))), bce[1], 1e-12);
        // probabilities are clipped to [1e-7, 1 − 1e-7] as Keras does
        double[] clipped = NN.binaryCrossEntropy(Tensor.of(new double[] {0.0, 1.0}, 2), labels).toDoubleArray();
        assertEquals(-Math.log(1e-7), clipped[0], 1e-6);
        assertEquals(-Math.log(1e-7), clipped[1], 1e-6);
        var scores = Tensor.of(new double[] {1, 2, 3}, 1, 3);
        double logZ = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(logZ - 2, NN.sparseSoftmaxCrossEntropyWithLogits(scores, Tensor.of(new int[] {1}, 1)).item(), 1e-12);
        assertEquals(logZ - 3, NN.softmaxCrossEntropyWithLogits(scores, Tensor.of(new double[] {0, 0, 1}, 1, 3)).item(), 1e-12);
        assertEquals(2.25, NN.squaredError(Tensor.of(new double[] {1.5}, 1), Tensor.of(new double[] {0}, 1)).item(), 1e-12);
    }

    /** Concatenation along axis 0 copies blocks on the CPU: the same as ND4J's, with views and int32 parts too. */
    @Test
    void concatAlongTheFirstAxisMatchesNd4j() {
        var a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        var transposed = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2).transpose();   // a view, copied first
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 9, 11, 8, 10, 12}, Tensor.concat(0, a, transposed).toDoubleArray());
        var ints = Tensor.concat(0, Tensor.of(new int[] {1, 2}, 1, 2), Tensor.of(new int[] {3, 4, 5, 6}, 2, 2));
        assertEquals(Shape.of(3, 2), ints.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, ints.toDoubleArray());
    }

    @Test
    void outOfRangeIndicesAndClassesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NN.gather(Tensor.zeros(Shape.of(5, 2), DType.FLOAT32), Tensor.of(new int[] {1, 7}, 2)));
        assertTrue(e.getMessage().contains("[0, 5)") && e.getMessage().contains("7"), e.getMessage());
        var c = assertThrows(IllegalArgumentException.class,
                () -> NN.sparseSoftmaxCrossEntropyWithLogits(Tensor.zeros(Shape.of(2, 3), DType.FLOAT32), Tensor.of(new int[] {0, 3}, 2)));
        assertTrue(c.getMessage().contains("[0, 3)"), c.getMessage());
        var k = assertThrows(IllegalArgumentException.class, () -> NN.conv1d(Tensor.zeros(Shape.of(32, 100), DType.FLOAT32),
                Tensor.zeros(Shape.of(5, 16, 32), DType.FLOAT32), null, 1, Padding.VALID, 1));
        assertTrue(k.getMessage().contains("[32, 100]") && k.getMessage().contains("[5, 16, 32]"), k.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> NN.dense(Tensor.zeros(Shape.of(2, 4), DType.FLOAT32),
                Tensor.zeros(Shape.of(4, 3), DType.FLOAT32), Tensor.zeros(Shape.of(4), DType.FLOAT32)));
        assertTrue(d.getMessage().contains("bias [N]") && d.getMessage().contains("bias [4]"), d.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> NN.dense(Tensor.zeros(Shape.of(2, 4), DType.FLOAT64),
                Tensor.zeros(Shape.of(4, 3), DType.FLOAT32), Tensor.zeros(Shape.of(3), DType.FLOAT32)));
        assertTrue(t.getMessage().contains("float64") && t.getMessage().contains("float32"), t.getMessage());
        var n = assertThrows(IllegalArgumentException.class, () -> NN.layerNormalization(Tensor.zeros(Shape.of(2, 4), DType.FLOAT32),
                Tensor.ones(Shape.of(3), DType.FLOAT32), null, 1e-3));
        assertTrue(n.getMessage().contains("[4]") && n.getMessage().contains("gamma [3]"), n.getMessage());
        var a = assertThrows(IllegalArgumentException.class, () -> NN.dotProductAttention(Tensor.zeros(Shape.of(2, 5, 2, 4), DType.FLOAT32),
                Tensor.zeros(Shape.of(2, 7, 2, 3), DType.FLOAT32), Tensor.zeros(Shape.of(2, 7, 2, 3), DType.FLOAT32), null));
        assertTrue(a.getMessage().contains("query [2, 5, 2, 4], key [2, 7, 2, 3]"), a.getMessage());
        var v = assertThrows(IllegalArgumentException.class, () -> NN.dotProductAttention(Tensor.zeros(Shape.of(2, 5, 2, 4), DType.FLOAT32),
                Tensor.zeros(Shape.of(2, 7, 2, 4), DType.FLOAT32), Tensor.zeros(Shape.of(2, 6, 2, 3), DType.FLOAT32), null));
        assertTrue(v.getMessage().contains("key [2, 7, 2, 4], value [2, 6, 2, 3]"), v.getMessage());
        var w = assertThrows(IllegalArgumentException.class, () -> NN.attentionWeights(Tensor.zeros(Shape.of(2, 5, 8), DType.FLOAT32),
                Tensor.zeros(Shape.of(2, 7, 2, 4), DType.FLOAT32), null));
        assertTrue(w.getMessage().startsWith("attentionWeights expects") && w.getMessage().contains("query [2, 5, 8]"), w.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> NN.dotProductAttention(Tensor.zeros(Shape.of(2, 5, 2, 4), DType.FLOAT32),
                Tensor.zeros(Shape.of(2, 7, 2, 4), DType.FLOAT32), Tensor.zeros(Shape.of(2, 7, 2, 3), DType.FLOAT32), Tensor.ones(Shape.of(2, 7, 5), DType.FLOAT32)));
        assertTrue(m.getMessage().contains("mask [2 or 1, 5 or 1, 7 or 1]") && m.getMessage().contains("[2, 7, 5]"), m.getMessage());
        var r = assertThrows(IllegalArgumentException.class, () -> NN.dotProductAttention(Tensor.zeros(Shape.of(2, 5, 2, 4), DType.FLOAT32),
                Tensor.zeros(Shape.of(2, 7, 2, 4), DType.FLOAT32), Tensor.zeros(Shape.of(2, 7, 2, 3), DType.FLOAT32), null, 1.0, null));
        assertTrue(r.getMessage().contains("dropout rate in [0, 1)") && r.getMessage().contains("1.0"), r.getMessage());
    }
}
