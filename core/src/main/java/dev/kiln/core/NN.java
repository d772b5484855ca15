package dev.kiln.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Neural-network ops on {@link Tensor}s: embedding lookup, convolution, pooling, dropout, normalization, the
 * fused LSTM and the loss primitives. Shapes: B batch, T time steps, C channels, F filters, V vocabulary, E
 * embedding size, U units.
 */
public final class NN {

    private NN() {}

    private static INDArray[] grads(INDArray... perInput) { return perInput; }

    // ---- embedding ----

    /**
     * Rows of {@code table} [V, E] at integer {@code indices} (any shape) → [indices..., E].
     * dTable[v] = Σ of the output gradient's rows whose index is v; repeated indices add up, which ND4J's default
     * multithreaded scatter_add gets wrong (see {@link #rowSums}).
     */
    public static Tensor gather(Tensor table, Tensor indices) {
        INDArray idx = indices.array();
        if (idx.dataType().isFPType()) idx = Tensor.temp(idx.castTo(DataType.INT));
        long vocabulary = table.array().size(0);
        INDArray dense = Gemm.rowMajor(idx);
        long[] ids = HostLoops.enabled() ? HostLoops.indices(dense) : dense.data().asLong();
        if (dense != idx) dense.close();                                  // freed now, not when the collector finds it
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (long id : ids) {
            min = Math.min(min, id);
            max = Math.max(max, id);
        }
        if (ids.length > 0 && (min < 0 || max >= vocabulary)) {
            throw new IllegalArgumentException("Embedding lookup: indices must be in [0, " + vocabulary + "). Received values in ["
                    + min + ", " + max + "]");
        }
        INDArray flatIdx = idx.reshape('c', new long[] {idx.length()});  // an array: reshape('c', n) would pick reshape(long, long)
        long width = table.array().size(1);
        long[] outShape = Arrays.copyOf(idx.shape(), idx.rank() + 1);
        outShape[idx.rank()] = width;
        INDArray out = HostLoops.enabled() ? HostLoops.gatherRows(table.array(), ids, outShape)
                : Tensor.temp(Native.first("gather", new long[] {0}, table.array(), flatIdx)).reshape('c', outShape);
        return Tensor.derive("gather", out, g -> grads(rowSums(g, ids, flatIdx, vocabulary, width), null), table, indices);
    }

    /**
     * Sums the rows of {@code g} (viewed as [N, width]) into a [vocabulary, width] array by index. ND4J's
     * unsorted_segment_sum, correct with repeated indices, takes about 4 ms for 3,200 rows of 16 on the CPU; the
     * host loop takes a fraction of that.
     */
    private static INDArray rowSums(INDArray g, long[] ids, INDArray flatIdx, long vocabulary, long width) {
        if (HostLoops.enabled()) return HostLoops.rowSums(g, ids, vocabulary, Math.toIntExact(width));
        return Native.first("unsorted_segment_sum", new long[] {vocabulary}, g.reshape('c', ids.length, width), flatIdx);
    }

    // ---- dense ----

    /**
     * x [..., K] · kernel [K, N] + bias [N] as one op (bias may be null): one GEMM with the bias added in place, and
     * dBias = Σ of g's rows. A matmul followed by a broadcasting add made three more arrays per layer and step, and a
     * broadcast reduction in the gradient. dX = g·kernelᵀ, dKernel = xᵀ·g.
     */
    public static Tensor dense(Tensor x, Tensor kernel, Tensor bias) {
        if (bias == null) return x.matmul(kernel);
        Shape xs = x.shape(), ks = kernel.shape();
        if (ks.rank() != 2 || xs.rank() < 1 || xs.last() != ks.get(0) || !bias.shape().equals(Shape.of(ks.get(1)))) {
            throw new IllegalArgumentException("dense expects x [..., K], kernel [K, N] and bias [N]. Received x " + xs + ", kernel "
                    + ks + " and bias " + bias.shape());
        }
        if (x.dtype() != kernel.dtype() || x.dtype() != bias.dtype()) {
            throw new IllegalArgumentException("dense: dtypes differ: x " + x.dtype().kerasName() + ", kernel " + kernel.dtype().kerasName()
                    + ", bias " + bias.dtype().kerasName() + ". Cast with cast().");
        }
        long k = ks.get(0), n = ks.get(1);
        INDArray x2 = xs.rank() == 2 ? x.array() : Tensor.temp(x.array().reshape('c', -1, k));
        INDArray out2 = Tensor.temp(productPlusBias(x2, kernel.array(), bias.array()));
        return Tensor.derive("dense", out2.reshape('c', xs.withLast(n).dims()), g -> {
            INDArray g2 = g.reshape('c', -1, n);
            INDArray dx = x.requiresGrad() ? Tensor.temp(Gemm.matmul(g2, false, kernel.array(), true)).reshape('c', xs.dims()) : null;
            INDArray dKernel = kernel.requiresGrad() ? Gemm.matmul(x2, true, g2, false) : null;
            INDArray dBias = bias.requiresGrad() ? biasGradient(g2) : null;
            return grads(dx, dKernel, dBias);
        }, x, kernel, bias);
    }

    // ---- convolution and pooling ----

    /**
     * 1-D convolution, channels last: x [B, T, C] ⊛ kernel [K, C, F] (+ bias [F]) → [B, T', F], as im2col and one
     * GEMM: the K shifted (strided, dilated) views of the padded input side by side form columns [B·T', K·C], and
     * out = columns · kernel [K·C, F]. The gradient reuses the columns: dKernel = columnsᵀ·g, dBias = Σ g, and
     * dColumns = g·kernelᵀ is added back at the K shifts (col2im). ND4J's conv1d took 2 ms forward and its
     * conv1d_bp 12-14 ms at [32, 100, 16] → 32 filters; these GEMMs take about 0.3 ms each.
     */
    public static Tensor conv1d(Tensor x, Tensor kernel, Tensor bias, int stride, Padding padding, int dilation) {
        return conv1d(x, kernel, bias, stride, padding, dilation, false);
    }

    /**
     * {@link #conv1d(Tensor, Tensor, Tensor, int, Padding, int)}, then relu when {@code relu} is set, as Conv1D with a
     * relu activation. In prediction with the Vector API the relu is applied to each block of the output while it is
     * in cache, which saved W1's prediction a pass over its [256, 96, 32] activations.
     */
    public static Tensor conv1d(Tensor x, Tensor kernel, Tensor bias, int stride, Padding padding, int dilation, boolean relu) {
        Shape xs = x.shape();
        Shape ks = kernel.shape();
        if (xs.rank() != 3 || ks.rank() != 3 || xs.get(2) != ks.get(1)) {
            throw new IllegalArgumentException("conv1d expects input [batch, steps, channels] and kernel [size, channels, filters] "
                    + "with matching channels. Received input " + xs + " and kernel " + ks);
        }
        if (stride < 1 || dilation < 1) {
            throw new IllegalArgumentException("conv1d needs stride and dilation >= 1. Received stride=" + stride + ", dilation=" + dilation);
        }
        long steps = xs.get(1), size = ks.get(0);
        long extent = (size - 1) * dilation + 1;
        long outSteps = padding.outputLength(steps, extent, stride);
        if (outSteps <= 0) {
            throw new IllegalArgumentException("conv1d: a kernel spanning " + extent + " steps does not fit " + steps + " steps with "
                    + padding.kerasName() + " padding");
        }
        long total = padding == Padding.VALID ? 0 : Math.max(0, (outSteps - 1) * stride + extent - steps);
        long left = padding == Padding.CAUSAL ? total : total / 2;
        if (HostLoops.enabled() && !Tensor.recordsGradient(x, kernel, bias) && allFloat32(x, kernel, bias)) {
            INDArray out = HostLoops.conv1dPrediction(x.array(), kernel.array(), bias == null ? null : bias.array(), stride, dilation,
                    left, outSteps, relu);
            return Tensor.derive("conv1d", out, null, x, kernel, bias);
        }
        Tensor convolved = trainableConv1d(x, kernel, bias, stride, dilation, outSteps, left, steps + total);
        return relu ? convolved.relu() : convolved;
    }

    /** conv1d's im2col + GEMM forward and its gradient, for training (and for float64 and other backends). */
    private static Tensor trainableConv1d(Tensor x, Tensor kernel, Tensor bias, int stride, int dilation, long outSteps, long left,
                                          long paddedSteps) {
        Shape xs = x.shape(), ks = kernel.shape();
        long batch = xs.get(0), steps = xs.get(1), channels = xs.get(2), size = ks.get(0), filters = ks.get(2);
        INDArray columns = Tensor.temp(HostLoops.enabled()
                ? HostLoops.im2col(x.array(), (int) size, stride, dilation, left, outSteps)
                : columns(x.array(), size, stride, dilation, outSteps, left, paddedSteps).reshape('c', batch * outSteps, size * channels));
        INDArray kernel2 = kernel.array().reshape('c', size * channels, filters);
        INDArray out2 = Tensor.temp(productPlusBias(columns, kernel2, bias == null ? null : bias.array()));
        Tensor[] inputs = bias == null ? new Tensor[] {x, kernel} : new Tensor[] {x, kernel, bias};
        return Tensor.derive("conv1d", out2.reshape('c', batch, outSteps, filters), g -> {
            INDArray g2 = g.reshape('c', batch * outSteps, filters);
            INDArray dKernel = kernel.requiresGrad() ? Tensor.temp(Gemm.matmul(columns, true, g2, false)).reshape('c', size, channels, filters) : null;
            INDArray dBias = bias != null && bias.requiresGrad() ? biasGradient(g2) : null;
            INDArray dx = null;
            if (x.requiresGrad()) {
                INDArray dColumns = Tensor.temp(Gemm.matmul(g2, false, kernel2, true));
                dx = HostLoops.enabled()
                        ? HostLoops.col2im(dColumns, batch, steps, channels, (int) size, stride, dilation, left, outSteps)
                        : col2im(dColumns.reshape('c', batch, outSteps, size, channels), size, stride, dilation, left, steps, paddedSteps);
            }
            return bias == null ? grads(dx, dKernel) : grads(dx, dKernel, dBias);
        }, inputs);
    }

    /** im2col with ND4J's strided views: the K shifted (strided, dilated) views of the padded input side by side, [B, T', K, C]. */
    private static INDArray columns(INDArray x, long size, long stride, long dilation, long outSteps, long left, long paddedSteps) {
        long batch = x.size(0), steps = x.size(1), channels = x.size(2);
        INDArray padded = x;
        if (paddedSteps > steps) {
            padded = Tensor.temp(Nd4j.zeros(x.dataType(), batch, paddedSteps, channels));
            padded.get(NDArrayIndex.all(), NDArrayIndex.interval(left, left + steps), NDArrayIndex.all()).assign(x);
        }
        INDArray columns = Tensor.temp(Nd4j.createUninitialized(x.dataType(), batch, outSteps, size, channels));
        for (long j = 0; j < size; j++) {
            columns.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all())
                    .assign(padded.get(NDArrayIndex.all(), shifted(j * dilation, stride, outSteps), NDArrayIndex.all()));
        }
        return columns;
    }

    /** col2im with ND4J's strided views: dColumns [B, T', K, C] added back at the K shifts, then the padding cut → [B, T, C]. */
    private static INDArray col2im(INDArray dColumns, long size, long stride, long dilation, long left, long steps, long paddedSteps) {
        long batch = dColumns.size(0), outSteps = dColumns.size(1), channels = dColumns.size(3);
        INDArray dPadded = Nd4j.zeros(dColumns.dataType(), batch, paddedSteps, channels);
        for (long j = 0; j < size; j++) {
            dPadded.get(NDArrayIndex.all(), shifted(j * dilation, stride, outSteps), NDArrayIndex.all())
                    .addi(dColumns.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all()));
        }
        if (paddedSteps == steps) return dPadded;
        return Tensor.temp(dPadded).get(NDArrayIndex.all(), NDArrayIndex.interval(left, left + steps), NDArrayIndex.all()).dup('c');
    }

    /** The time steps j, j + stride, ... that output steps 0 .. count−1 read for kernel tap offset j. */
    private static INDArrayIndex shifted(long offset, long stride, long count) {
        return NDArrayIndex.interval(offset, stride, offset + (count - 1) * stride + 1);
    }

    /** Max pooling over time: [B, T, C] → [B, T', C]. Gradient: ND4J's maxpool2d_bp on a [B, 1, T, C] view. */
    public static Tensor maxPool1d(Tensor x, int poolSize, int stride, Padding padding) {
        return pool1d("maxpool2d", x, poolSize, stride, padding);
    }

    /** Average pooling over time (padding excluded from the divisor, as Keras): [B, T, C] → [B, T', C]. */
    public static Tensor averagePool1d(Tensor x, int poolSize, int stride, Padding padding) {
        return pool1d("avgpool2d", x, poolSize, stride, padding);
    }

    private static Tensor pool1d(String op, Tensor x, int poolSize, int stride, Padding padding) {
        Shape s = x.shape();
        if (s.rank() != 3) throw new IllegalArgumentException(op + " expects [batch, steps, channels]. Received: " + s);
        if (padding == Padding.CAUSAL) throw new IllegalArgumentException("Pooling supports padding valid or same. Received: causal");
        if (op.equals("maxpool2d") && HostLoops.enabled()) {
            long outSteps = padding.outputLength(s.get(1), poolSize, stride);
            long left = padding == Padding.SAME ? Math.max(0, (outSteps - 1) * stride + poolSize - s.get(1)) / 2 : 0;
            if (!Tensor.recordsGradient(x)) return Tensor.derive(op, HostLoops.maxPool(x.array(), poolSize, stride, left, outSteps), null, x);
            int[] argmax = HostLoops.maxPoolArgmax(x.array(), poolSize, stride, left, outSteps);
            INDArray out = HostLoops.gather(x.array(), argmax, s.get(0), outSteps, s.get(2));
            return Tensor.derive(op, out, g -> grads(HostLoops.scatterAdd(g, argmax, s.dims())), x);
        }
        long[] args = {1, poolSize, 1, stride, 0, 0, 1, 1, padding == Padding.SAME ? 1 : 0, 0, 1};
        INDArray x4 = x.array().reshape('c', s.get(0), 1, s.get(1), s.get(2));
        INDArray out4 = Tensor.temp(Native.first(op, args, x4));
        INDArray out = out4.reshape('c', s.get(0), out4.size(2), s.get(2));
        return Tensor.derive(op, out, g -> grads(Tensor.temp(Native.first(op + "_bp", args, x4, g.reshape('c', out4.shape()))).reshape('c', s.dims())), x);
    }

    /**
     * a·b + bias in every row (bias null: none), for a layer's forward: where {@link VectorGemm} takes the product, the
     * bias starts its accumulators; otherwise it is added after the product.
     */
    private static INDArray productPlusBias(INDArray a, INDArray b, INDArray bias) {
        if (HostLoops.enabled() && VectorGemm.takes(a, false, b, false) && (bias == null || bias.dataType() == DataType.FLOAT)) {
            return VectorGemm.matmul(a, false, b, false, bias);
        }
        INDArray product = Gemm.matmul(a, false, b, false);
        if (bias != null) addBias(product, bias);
        return product;
    }

    /**
     * out [M, N] += bias [N] on every row, in place. On the CPU one BLAS rank-1 update: ND4J's addiRowVector made a
     * TAD offsets array per call that only the garbage collector freed.
     */
    private static void addBias(INDArray out2, INDArray bias) {
        if (HostLoops.enabled() && CpuBlas.supports(out2.dataType()) && Gemm.isDense(out2) && Gemm.isDense(bias)) {
            CpuBlas.addRowVector(out2, bias);
        } else {
            out2.addiRowVector(bias);
        }
    }

    /** The bias gradient, g [M, N] summed over its rows: on the CPU one BLAS gᵀ·1, without ND4J's TADs. */
    private static INDArray biasGradient(INDArray g2) {
        if (HostLoops.enabled() && CpuBlas.supports(g2.dataType()) && Gemm.isDense(g2)) return CpuBlas.columnSums(g2);
        return g2.sum(0);
    }

    private static boolean allFloat32(Tensor... tensors) {
        for (Tensor t : tensors) if (t != null && t.array().dataType() != DataType.FLOAT) return false;
        return true;
    }

    // ---- regularization and normalization ----

    /**
     * Inverted dropout: zeroes each element with probability {@code rate} and scales the rest by 1/(1 − rate).
     * {@code noiseShape} (null: x's shape) broadcasts one mask value over axes of size 1, as Keras's
     * noise_shape (SpatialDropout1D drops whole channels with [B, 1, C]). The mask comes from the seeded generator;
     * in float32 on the CPU it is drawn on the host ({@link DropoutDraw}), elsewhere by ND4J's Bernoulli op.
     */
    public static Tensor dropout(Tensor x, double rate, Shape noiseShape) {
        return dropout(x, rate, noiseShape, null);
    }

    /**
     * {@link #dropout(Tensor, double, Shape)} with the mask drawn from a generator seeded with {@code seed} (null:
     * Kiln's global generator), so a layer with a seed of its own drops the same elements run after run.
     */
    public static Tensor dropout(Tensor x, double rate, Shape noiseShape, Long seed) {
        if (rate < 0 || rate >= 1) throw new IllegalArgumentException("dropout rate must be in [0, 1). Received: rate=" + rate);
        if (rate == 0) return x;
        double keep = 1 - rate;
        long[] maskShape = noiseShape == null ? x.array().shape() : noiseShape.dims();
        long count = Shape.of(maskShape).size();
        if (HostLoops.enabled() && x.dtype() == DType.FLOAT32 && count <= Integer.MAX_VALUE) {
            DropoutDraw draw = DropoutDraw.seeded(seed, rate);
            if (Arrays.equals(maskShape, x.array().shape())) {     // one factor per value: drawn again for the gradient
                return Tensor.derive("dropout", HostLoops.dropout(x.array(), draw), g -> grads(HostLoops.dropout(g, draw)), x);
            }
            INDArray factors = draw.factors(maskShape);
            MemoryScope.track(factors);
            return x.mul(Tensor.fromArray(factors));
        }
        INDArray mask = Nd4j.createUninitialized(x.array().dataType(), maskShape);
        if (seed == null) {
            Nd4j.exec(new BernoulliDistribution(mask, keep));
        } else {
            try (Random generator = Nd4j.getRandomFactory().getNewRandomInstance(seed)) {
                Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, keep), generator);
            } catch (Exception e) {
                throw new IllegalStateException("Could not release the dropout generator", e);
            }
        }
        mask.divi(keep);
        MemoryScope.track(mask);
        return x.mul(Tensor.fromArray(mask));
    }

    /**
     * Layer normalization over the last axis, as Keras: (x − mean) / √(variance + epsilon) · gamma + beta, with the
     * population variance. On the CPU one host-loop op with its hand-written gradient (checked against finite
     * differences); elsewhere composed from primitives, whose gradients need no code of their own.
     */
    public static Tensor layerNormalization(Tensor x, Tensor gamma, Tensor beta, double epsilon) {
        Shape width = Shape.of(x.shape().last());
        if ((gamma != null && !gamma.shape().equals(width)) || (beta != null && !beta.shape().equals(width))) {
            throw new IllegalArgumentException("layerNormalization expects gamma and beta of the last axis's shape " + width
                    + ". Received x " + x.shape() + ", gamma " + (gamma == null ? "none" : gamma.shape()) + ", beta "
                    + (beta == null ? "none" : beta.shape()));
        }
        if (HostLoops.enabled()) {           // one host-loop op in place of about 25 small ND4J ops forward and backward
            INDArray g0 = gamma == null ? null : gamma.array(), b0 = beta == null ? null : beta.array();
            INDArray y = HostLoops.layerNorm(x.array(), g0, b0, epsilon);
            Tensor[] inputs = {x, gamma, beta};
            return Tensor.derive("layerNormalization", y, g -> HostLoops.layerNormGrad(x.array(), g0, b0 != null, g, epsilon), inputs);
        }
        Tensor centered = x.sub(x.mean(true, -1));
        Tensor variance = centered.square().mean(true, -1);
        Tensor y = centered.mul(variance.add(epsilon).pow(-0.5));
        if (gamma != null) y = y.mul(gamma);
        if (beta != null) y = y.add(beta);
        return y;
    }

    // ---- attention ----

    /**
     * Dot-product attention over heads, in the layout of Keras's MultiHeadAttention projections: query [B, Tq, N, H]
     * (already scaled), key [B, Tk, N, H], value [B, Tk, N, V] and a mask [B or 1, Tq or 1, Tk or 1] of 1 (attend) and
     * 0 (do not), or null → context [B, Tq, N, V] = {@link #attentionWeights} · v for each head.
     */
    public static Tensor dotProductAttention(Tensor query, Tensor key, Tensor value, Tensor mask) {
        return dotProductAttention(query, key, value, mask, 0, null);
    }

    /**
     * {@link #dotProductAttention(Tensor, Tensor, Tensor, Tensor)} with {@link #dropout} at {@code dropoutRate} on the
     * attention weights before they weigh the values, as Keras's MultiHeadAttention does in training; {@code seed} as
     * in {@link #dropout(Tensor, double, Shape, Long)} (null: Kiln's generator). The mask gets no gradient.
     *
     * <p>In float32 on the CPU it runs block by block ({@link AttentionKernel}), forward and backward, and never builds
     * the [B, N, Tq, Tk] scores; for the gradient it keeps only the weights, before and after dropout. Elsewhere, and
     * for more than 2³¹ weights to keep, it is composed from primitives, whose gradients need no code of their own.
     */
    public static Tensor dotProductAttention(Tensor query, Tensor key, Tensor value, Tensor mask, double dropoutRate, Long seed) {
        Shape k = key.shape(), v = value.shape();
        if (v.rank() != 4 || k.rank() != 4 || !v.with(3, 0).equals(k.with(3, 0))) {
            throw new IllegalArgumentException("dotProductAttention expects key [batch, Tk, heads, depth] and value [batch, Tk, heads, "
                    + "valueDepth]. Received key " + k + ", value " + v);
        }
        checkAttentionInputs("dotProductAttention", query.shape(), k, mask);
        if (!(dropoutRate >= 0 && dropoutRate < 1)) {
            throw new IllegalArgumentException("dotProductAttention expects a dropout rate in [0, 1). Received: " + dropoutRate);
        }
        Shape q = query.shape();
        long weightCount = q.get(0) * q.get(2) * q.get(1) * k.get(1);
        boolean gradient = Tensor.recordsGradient(query, key, value);
        boolean keepsWeights = gradient || dropoutRate > 0;                 // the kernel indexes kept weights with ints
        if (!HostLoops.enabled() || !allFloat32(query, key, value, mask) || (keepsWeights && weightCount > Integer.MAX_VALUE)) {
            Tensor weights = dropout(attentionWeights(query, key, mask), dropoutRate, null, seed);
            return weights.matmul(value.permute(0, 2, 1, 3)).permute(0, 2, 1, 3);
        }
        DropoutDraw dropout = dropoutRate == 0 ? null : DropoutDraw.seeded(seed, dropoutRate);
        long[] weightsShape = {q.get(0), q.get(2), q.get(1), k.get(1)};
        INDArray weights = gradient ? Tensor.temp(Nd4j.createUninitialized(DataType.FLOAT, weightsShape)) : null;
        INDArray dropped = gradient && dropout != null ? Tensor.temp(Nd4j.createUninitialized(DataType.FLOAT, weightsShape)) : weights;
        INDArray context = AttentionKernel.forward(query.array(), key.array(), value.array(), mask == null ? null : mask.array(),
                dropout, weights, dropped);
        return Tensor.derive("dotProductAttention", context,
                g -> AttentionKernel.backward(query.array(), key.array(), value.array(), weights, dropped, g), query, key, value, mask);
    }

    /**
     * The attention weights of {@link #dotProductAttention}: {@link #maskedSoftmax} over the keys of each head's
     * scores q·kᵀ → [B, N, Tq, Tk], from query [B, Tq, N, H], key [B, Tk, N, H] and mask [B or 1, Tq or 1, Tk or 1].
     */
    public static Tensor attentionWeights(Tensor query, Tensor key, Tensor mask) {
        checkAttentionInputs("attentionWeights", query.shape(), key.shape(), mask);
        Tensor scores = query.permute(0, 2, 1, 3).matmul(key.permute(0, 2, 3, 1));
        return maskedSoftmax(scores, mask == null ? null : mask.expandDims(1));
    }

    /**
     * Keras's masked softmax over the last axis: softmax(scores + (1 − mask)·(−1e9)) · mask, so masked positions
     * weigh exactly 0 and a row whose every position is masked gets all-zero weights, not a uniform distribution.
     * The mask (1 attend, 0 not; null: none) broadcasts against the scores.
     */
    public static Tensor maskedSoftmax(Tensor scores, Tensor mask) {
        if (mask == null) return scores.softmax();
        return maskScores(scores, mask).softmax().mul(mask);
    }

    /** scores + (1 − mask)·(−1e9): masked positions fall so low that e^(s − 1e9) underflows to exactly 0. */
    public static Tensor maskScores(Tensor scores, Tensor mask) {
        return mask == null ? scores : scores.add(mask.rsub(1).mul(AttentionKernel.LARGE_NEGATIVE));
    }

    /** query [B, Tq, N, H] and key [B, Tk, N, H] alike but for their steps; the mask, if any, [B or 1, Tq or 1, Tk or 1]. */
    private static void checkAttentionInputs(String op, Shape q, Shape k, Tensor mask) {
        if (q.rank() != 4 || k.rank() != 4 || !k.equals(q.with(1, k.get(1)))) {
            throw new IllegalArgumentException(op + " expects query [batch, Tq, heads, depth] and key [batch, Tk, heads, depth]. "
                    + "Received query " + q + ", key " + k);
        }
        if (mask == null) return;
        Shape m = mask.shape();
        if (m.rank() != 3 || !fits(m.get(0), q.get(0)) || !fits(m.get(1), q.get(1)) || !fits(m.get(2), k.get(1))) {
            throw new IllegalArgumentException(op + " expects a mask [" + q.get(0) + " or 1, " + q.get(1) + " or 1, " + k.get(1)
                    + " or 1]. Received mask " + m);
        }
    }

    private static boolean fits(long size, long expected) { return size == expected || size == 1; }

    // ---- recurrent ----

    /** The outputs of {@link #lstm}: every step's hidden state [B, T, U], and the last hidden and cell states [B, U]. */
    public record LstmOutputs(Tensor sequence, Tensor lastHidden, Tensor lastCell) {}

    /**
     * A whole LSTM layer in ND4J's fused kernel, Keras's equations and gate order (i, f, c, o):
     * z = xₜ·kernel + hₜ₋₁·recurrentKernel + bias; i, f, o = σ(z_i, z_f, z_o); c̃ = tanh(z_c);
     * cₜ = f·cₜ₋₁ + i·c̃; hₜ = o·tanh(cₜ).
     * Shapes: x [B, T, C], kernel [C, 4U], recurrentKernel [U, 4U], bias [4U]; initial states [B, U] or null.
     * Gradient: ND4J's lstmLayer_bp, verified against finite differences.
     */
    public static LstmOutputs lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias,
                                   Tensor initialHidden, Tensor initialCell, boolean goBackwards) {
        Shape s = x.shape();
        if (s.rank() != 3) throw new IllegalArgumentException("lstm expects input [batch, steps, features]. Received: " + s);
        long units = recurrentKernel.shape().get(0);
        if (kernel.shape().get(0) != s.get(2) || kernel.shape().get(1) != 4 * units) {
            throw new IllegalArgumentException("lstm kernel must be [" + s.get(2) + ", " + 4 * units + "]. Received: " + kernel.shape());
        }
        long[] intArgs = {1, goBackwards ? 1 : 0, 2, 0, 0};     // [B, T, C] layout, direction, sigmoid gates, tanh cell and output
        double[] floatArgs = {0.0};                              // no cell clipping
        boolean[] boolArgs = {bias != null, false, initialHidden != null, initialCell != null, false, true, true, true};
        var in = new ArrayList<>(List.of(x.array(), kernel.array(), recurrentKernel.array()));
        if (bias != null) in.add(bias.array());
        if (initialHidden != null) in.add(initialHidden.array());
        if (initialCell != null) in.add(initialCell.array());
        INDArray[] inputs = in.toArray(INDArray[]::new);
        INDArray[] outs = Native.exec("lstmLayer", intArgs, floatArgs, boolArgs, inputs);
        Tensor[] results = Tensor.deriveMany("lstm", outs, gs -> {
            INDArray[] withGrads = Arrays.copyOf(inputs, inputs.length + 3);
            for (int k = 0; k < 3; k++) withGrads[inputs.length + k] = gs[k] != null ? gs[k] : Tensor.temp(Nd4j.zeros(outs[k].dataType(), outs[k].shape()));
            INDArray[] d = Native.exec("lstmLayer_bp", intArgs, floatArgs, boolArgs, withGrads);
            int next = 3;
            INDArray dBias = bias != null ? d[next++] : null;
            INDArray dH0 = initialHidden != null ? d[next++] : null;
            INDArray dC0 = initialCell != null ? d[next] : null;
            return grads(d[0], d[1], d[2], dBias, dH0, dC0);
        }, x, kernel, recurrentKernel, bias, initialHidden, initialCell);
        return new LstmOutputs(results[0], results[1], results[2]);
    }

    /**
     * The LSTM of {@link #lstm} composed from native primitives, with Keras's semantics for masks and direction:
     * one GEMM and eight element-wise ops per step forward, a hand-written backward through time with one GEMM and
     * five element-wise ops per step, and the input projections and weight gradients as single GEMMs over all steps
     * (see {@code LstmKernel} for the equations of the backward).
     *
     * <p>{@code mask} [B, T] (or null) marks the steps that hold data (non-zero); at a masked step the state is
     * carried over unchanged, so sequences of different lengths, padded before or after, share a batch. With
     * {@code goBackwards} the steps run from last to first and the sequence comes back in that processing order,
     * as Keras returns it. The sequence [B, T, U] is computed only when {@code returnSequences}; its entry at a
     * masked step is the carried hidden state.
     */
    public static LstmOutputs lstmComposed(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor initialHidden,
                                           Tensor initialCell, Tensor mask, boolean goBackwards, boolean returnSequences) {
        return LstmKernel.run(x, kernel, recurrentKernel, bias, initialHidden, initialCell, mask, goBackwards, returnSequences);
    }

    /** The outputs of {@link #gru}: every step's hidden state [B, T, U] (null unless asked for) and the last one [B, U]. */
    public record GruOutputs(Tensor sequence, Tensor lastHidden) {}

    /**
     * A whole GRU layer with Keras's equations and gate order (z, r, h), composed from native primitives with a
     * hand-written backward through time (ND4J's gru_bp is wrong; see {@code GruKernel} for the equations):
     * z = σ(x·k_z + h·r_z + b_z), r = σ(x·k_r + h·r_r + b_r), hₜ = z·hₜ₋₁ + (1 − z)·ĥ with
     * ĥ = tanh(x·k_h + b_h + r·(h·r_h + b'_h)) when {@code resetAfter} (bias [2, 3U]: input and recurrent rows) or
     * ĥ = tanh(x·k_h + (r·h)·r_h + b_h) otherwise (bias [3U]). Shapes: x [B, T, C], kernel [C, 3U],
     * recurrentKernel [U, 3U]; bias and initial state may be null. Mask, direction and sequence as
     * {@link #lstmComposed}.
     */
    public static GruOutputs gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor initialHidden, Tensor mask,
                                 boolean goBackwards, boolean returnSequences, boolean resetAfter) {
        return GruKernel.run(x, kernel, recurrentKernel, bias, initialHidden, mask, goBackwards, returnSequences, resetAfter);
    }

    // ---- loss primitives (per element or per sample; the caller reduces) ----

    /**
     * Binary cross-entropy from logits, element-wise and numerically stable:
     * max(x, 0) − x·y + log(1 + e^−|x|).   dx = g·(σ(x) − y).
     */
    public static Tensor sigmoidCrossEntropyWithLogits(Tensor logits, Tensor labels) {
        checkSameShape("sigmoidCrossEntropyWithLogits", logits, labels);
        INDArray x = logits.array();
        INDArray y = labels.array().dataType() == x.dataType() ? labels.array() : Tensor.temp(labels.array().castTo(x.dataType()));
        INDArray loss = Transforms.max(x, 0.0, true).subi(Tensor.temp(x.mul(y)))
                .addi(Tensor.temp(Transforms.log(Transforms.exp(Transforms.abs(x, true).negi(), false).addi(1.0), false)));
        return Tensor.derive("sigmoidCrossEntropyWithLogits", loss,
                g -> grads(Transforms.sigmoid(x, true).subi(y).muli(g), null), logits, labels);
    }

    /**
     * Binary cross-entropy from probabilities, as Keras: p clipped to [ε, 1 − ε] with ε = 1e-7, then
     * −(y·log p + (1 − y)·log(1 − p)), element-wise. Composed, so the clip's zero gradient outside the range is Keras's.
     */
    public static Tensor binaryCrossEntropy(Tensor probabilities, Tensor labels) {
        checkSameShape("binaryCrossEntropy", probabilities, labels);
        double epsilon = 1e-7;
        if (HostLoops.enabled()) {            // one host loop in place of about 20 small ND4J ops forward and backward
            INDArray p = probabilities.array();
            INDArray y = labels.array().dataType() == p.dataType() ? labels.array() : Tensor.temp(labels.array().castTo(p.dataType()));
            return Tensor.derive("binaryCrossEntropy", HostLoops.binaryCrossEntropy(p, y, epsilon),
                    g -> grads(HostLoops.binaryCrossEntropyGrad(p, y, g, epsilon), null), probabilities, labels);
        }
        Tensor p = probabilities.clip(epsilon, 1 - epsilon);
        Tensor y = labels.cast(probabilities.dtype()).detach();
        return y.mul(p.log()).add(y.rsub(1.0).mul(p.rsub(1.0).log())).neg();
    }

    /**
     * Softmax cross-entropy from logits [B..., K] and one-hot (or soft) labels of the same shape → [B...]:
     * −Σ y·log softmax(x).   dx = g·(softmax(x)·Σy − y).
     */
    public static Tensor softmaxCrossEntropyWithLogits(Tensor logits, Tensor labels) {
        checkSameShape("softmaxCrossEntropyWithLogits", logits, labels);
        Tensor y = labels.cast(logits.dtype()).detach();
        return logits.logSoftmax(-1).mul(y).sum(-1).neg();
    }

    /**
     * Sparse softmax cross-entropy from logits [B, K] and integer class indices [B] → [B]: −log softmax(x)[label].
     * dx = g·(softmax(x) − onehot(label)), from ND4J's fused kernel.
     */
    public static Tensor sparseSoftmaxCrossEntropyWithLogits(Tensor logits, Tensor labels) {
        Shape ls = logits.shape();
        INDArray idx = labels.array();
        if (idx.dataType().isFPType()) idx = Tensor.temp(idx.castTo(DataType.INT));
        if (ls.rank() != 2 || idx.length() != ls.get(0)) {
            throw new IllegalArgumentException("sparseSoftmaxCrossEntropyWithLogits expects logits [batch, classes] and labels [batch]. "
                    + "Received logits " + ls + " and labels " + labels.shape());
        }
        idx = idx.reshape(idx.length());
        long classes = ls.get(1);
        if (idx.length() > 0 && (idx.minNumber().longValue() < 0 || idx.maxNumber().longValue() >= classes)) {
            throw new IllegalArgumentException("Class indices must be in [0, " + classes + "). Received values in ["
                    + idx.minNumber() + ", " + idx.maxNumber() + "]");
        }
        INDArray labelsInt = idx;
        INDArray loss = Native.first("sparse_softmax_cross_entropy_loss_with_logits", new long[0], labelsInt, logits.array());
        return Tensor.derive("sparseSoftmaxCrossEntropyWithLogits", loss, g -> {
            INDArray d = Native.first("sparse_softmax_cross_entropy_loss_with_logits_grad", new long[0], labelsInt, logits.array());
            return grads(d.muliColumnVector(g.reshape(g.length(), 1)), null);
        }, logits, labels);
    }

    /** Squared error (prediction − label)², element-wise. */
    public static Tensor squaredError(Tensor predictions, Tensor labels) {
        checkSameShape("squaredError", predictions, labels);
        return predictions.sub(labels.cast(predictions.dtype()).detach()).square();
    }

    private static void checkSameShape(String op, Tensor predictions, Tensor labels) {
        if (!predictions.shape().equals(labels.shape())) {
            throw new IllegalArgumentException(op + ": predictions " + predictions.shape() + " and labels " + labels.shape()
                    + " must have the same shape");
        }
    }
}
