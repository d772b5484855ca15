package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultiHeadAttentionTest extends LayerTesting {

    // Padding masks [2, 3] and [2, 4]: the first sample's last query step and last two key steps are padding.
    private static final Tensor QUERY_MASK = Tensor.of(new double[] {1, 1, 0, 1, 1, 1}, 2, 3);
    private static final Tensor KEY_MASK = Tensor.of(new double[] {1, 1, 0, 0, 1, 1, 1, 1}, 2, 4);

    /** Random (non-zero) biases, so the reference checks them too. */
    private static void randomizeBiases(Layer layer) {
        for (Weight w : layer.namedWeights()) if (w.name().equals("bias")) w.value().assign(GradientCheck.random(w.value().shape().dims()));
    }

    @Test
    void crossAttentionMatchesSoftmaxOfScaledDotProductsPerHead() {
        var mha = new MultiHeadAttention(new MultiHeadAttention.Config(2, 3).withValueDim(2));
        var query = GradientCheck.random(2, 3, 4);
        var value = GradientCheck.random(2, 4, 5);
        var key = GradientCheck.random(2, 4, 6);
        var out = mha.apply(List.of(query, value, key), AttentionOptions.NONE, false).get(0);
        randomizeBiases(mha);
        out = mha.apply(List.of(query, value, key), AttentionOptions.NONE, false).get(0);
        assertValues(reference(mha, query, value, key, null), out, 1e-12);
        assertEquals(Shape.of(2, 3, 4), out.shape());
    }

    /**
     * softmax(QKᵀ/√H)V per head from the projected Q, K, V, then the output projection, written out in loops.
     * {@code mask} [B, Tq, Tk] (null: none) zeroes weights; a fully masked row attends to nothing.
     */
    static double[] reference(MultiHeadAttention mha, Tensor query, Tensor value, Tensor key, double[] mask) {
        List<Tensor> w = mha.weights();   // query kernel, bias, key kernel, bias, value kernel, bias, output kernel, bias
        int b = (int) query.size(0), tq = (int) query.size(1), tk = (int) key.size(1);
        int heads = mha.config().numHeads(), h = mha.config().keyDim(), hv = mha.config().valueDim();
        int o = (int) w.get(7).size(0);
        double[][][] qp = project(query, w.get(0), w.get(1), heads, h);   // [B·Tq][N][H]
        double[][][] kp = project(key, w.get(2), w.get(3), heads, h);
        double[][][] vp = project(value, w.get(4), w.get(5), heads, hv);
        double[] wo = w.get(6).toDoubleArray();
        double[] bo = w.get(7).toDoubleArray();
        double[] out = new double[b * tq * o];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < tq; i++) {
                for (int e = 0; e < o; e++) out[(n * tq + i) * o + e] = bo[e];
                for (int head = 0; head < heads; head++) {
                    double[] s = new double[tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        for (int c = 0; c < h; c++) s[j] += qp[n * tq + i][head][c] * kp[n * tk + j][head][c];
                        s[j] /= Math.sqrt(h);
                        if (mask == null || mask[(n * tq + i) * tk + j] != 0) max = Math.max(max, s[j]);
                    }
                    double total = 0;
                    for (int j = 0; j < tk; j++) {
                        s[j] = mask != null && mask[(n * tq + i) * tk + j] == 0 ? 0 : Math.exp(s[j] - max);
                        total += s[j];
                    }
                    for (int c = 0; c < hv; c++) {
                        double context = 0;
                        for (int j = 0; j < tk; j++) if (total > 0) context += s[j] / total * vp[n * tk + j][head][c];
                        for (int e = 0; e < o; e++) out[(n * tq + i) * o + e] += context * wo[(head * hv + c) * o + e];
                    }
                }
            }
        }
        return out;
    }

    /** x [B, T, D] · kernel [D, N, H] + bias [N, H], as [B·T][N][H]. */
    private static double[][][] project(Tensor x, Tensor kernel, Tensor bias, int heads, int size) {
        double[] xs = x.toDoubleArray(), ks = kernel.toDoubleArray(), bs = bias.toDoubleArray();
        int rows = (int) (x.size(0) * x.size(1)), d = (int) x.size(2);
        double[][][] result = new double[rows][heads][size];
        for (int r = 0; r < rows; r++) {
            for (int n = 0; n < heads; n++) {
                for (int c = 0; c < size; c++) {
                    double sum = bs[n * size + c];
                    for (int i = 0; i < d; i++) sum += xs[r * d + i] * ks[(i * heads + n) * size + c];
                    result[r][n][c] = sum;
                }
            }
        }
        return result;
    }

    @Test
    void paddingMasksAndAnExplicitMaskCombineAsKeras() {
        var mha = new MultiHeadAttention(2, 2);
        var query = GradientCheck.random(2, 3, 4);
        var value = GradientCheck.random(2, 4, 4);
        var explicit = Tensor.of(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0}, 2, 3, 4);
        var outputs = mha.apply(List.of(query, value), Arrays.asList(QUERY_MASK, KEY_MASK), AttentionOptions.NONE.withAttentionMask(explicit)
                .withAttentionScores(), false);
        randomizeBiases(mha);
        outputs = mha.apply(List.of(query, value), Arrays.asList(QUERY_MASK, KEY_MASK), AttentionOptions.NONE.withAttentionMask(explicit)
                .withAttentionScores(), false);
        double[] mask = new double[2 * 3 * 4];
        double[] qm = QUERY_MASK.toDoubleArray(), km = KEY_MASK.toDoubleArray(), em = explicit.toDoubleArray();
        for (int n = 0; n < 2; n++) for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
            mask[(n * 3 + i) * 4 + j] = qm[n * 3 + i] * km[n * 4 + j] * em[(n * 3 + i) * 4 + j];
        }
        assertValues(reference(mha, query, value, value, mask), outputs.get(0), 1e-12);
        assertSame(QUERY_MASK, Masks.of(outputs.get(0)));
        double[] scores = outputs.get(1).toDoubleArray();          // [2, 2, 3, 4]
        for (int n = 0; n < 2; n++) for (int head = 0; head < 2; head++) for (int i = 0; i < 3; i++) {
            double rowSum = 0;
            for (int j = 0; j < 4; j++) {
                double s = scores[((n * 2 + head) * 3 + i) * 4 + j];
                if (mask[(n * 3 + i) * 4 + j] == 0) assertEquals(0.0, s, 0, "masked weight at " + List.of(n, head, i, j));
                rowSum += s;
            }
            assertEquals(qm[n * 3 + i] == 0 ? 0 : 1, rowSum, 1e-12, "a padded query attends to nothing, others sum to 1");
        }
    }

    @Test
    void maskedKeysGetExactlyZeroWeightInFloat32() {
        Kiln.setFloatx(DType.FLOAT32);
        var mha = new MultiHeadAttention(2, 4);
        var value = Tensor.uniform(Shape.of(2, 4, 8), -10, 10, DType.FLOAT32);
        var scores = mha.apply(List.of(value, value), Arrays.asList(null, KEY_MASK.cast(DType.FLOAT32)), AttentionOptions.NONE.withAttentionScores(), false).get(1);
        float[] s = scores.toFloatArray();
        for (int head = 0; head < 2; head++) for (int i = 0; i < 4; i++) {
            assertEquals(0f, s[(head * 4 + i) * 4 + 2], 0f);
            assertEquals(0f, s[(head * 4 + i) * 4 + 3], 0f);
            assertTrue(s[(head * 4 + i) * 4] > 0, "unmasked keys keep their weight");
        }
    }

    @Test
    void causalMaskForbidsFuturePositions() {
        var mha = new MultiHeadAttention(2, 2);
        var x = GradientCheck.random(2, 4, 4);
        var causal = AttentionOptions.NONE.withCausalMask().withAttentionScores();
        var outputs = mha.apply(List.of(x, x), causal, false);
        double[] s = outputs.get(1).toDoubleArray();
        for (int n = 0; n < 4; n++) for (int i = 0; i < 4; i++) for (int j = i + 1; j < 4; j++) assertEquals(0.0, s[(n * 4 + i) * 4 + j], 0);
        // Changing the last step changes no earlier output.
        double[] changed = x.toDoubleArray();
        for (int c = 0; c < 4; c++) changed[3 * 4 + c] += 5;
        double[] before = outputs.get(0).toDoubleArray();
        double[] after = mha.apply(List.of(Tensor.of(changed, 2, 4, 4), Tensor.of(changed, 2, 4, 4)), causal, false).get(0).toDoubleArray();
        for (int i = 0; i < 3 * 4; i++) assertEquals(before[i], after[i], 1e-12);
        assertTrue(Math.abs(before[12] - after[12]) > 1e-6, "the last step sees its own change");
    }

    @Test
    void gradientsOfSelfAttention() {
        var mha = new MultiHeadAttention(2, 2);
        checkGradients(mha, in -> mha.apply(List.of(in.get(0), in.get(0)), AttentionOptions.NONE, true).get(0), GradientCheck.random(2, 3, 4));
    }

    @Test
    void gradientsWithPaddingMasksAnExplicitMaskAndScores() {
        var mha = new MultiHeadAttention(2, 2);
        var explicit = Tensor.of(new double[] {1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0}, 1, 3, 4);
        var options = AttentionOptions.NONE.withAttentionMask(explicit).withAttentionScores();
        checkGradients(mha, in -> {
            var outputs = mha.apply(List.of(in.get(0), in.get(1)), Arrays.asList(QUERY_MASK, KEY_MASK), options, true);
            return outputs.get(0).sum().add(outputs.get(1).square().sum());
        }, GradientCheck.random(2, 3, 4), GradientCheck.random(2, 4, 4));
    }

    @Test
    void gradientsWithTheCausalMask() {
        var mha = new MultiHeadAttention(new MultiHeadAttention.Config(2, 2).withValueDim(3));
        checkGradients(mha, in -> mha.apply(List.of(in.get(0), in.get(0)), AttentionOptions.NONE.withCausalMask(), true).get(0),
                GradientCheck.random(2, 3, 4));
    }

    @Test
    void gradientsOfCrossAttentionWithADistinctKey() {
        var mha = new MultiHeadAttention(new MultiHeadAttention.Config(2, 2).withOutputShape(Shape.of(3)));
        checkGradients(mha, in -> mha.apply(List.of(in.get(0), in.get(1), in.get(2)), Arrays.asList(null, KEY_MASK, null),
                AttentionOptions.NONE, true).get(0), GradientCheck.random(2, 3, 4), GradientCheck.random(2, 4, 3), GradientCheck.random(2, 4, 2));
    }

    @Test
    void kerasWeightNamesLayoutsAndDefaults() {
        var mha = new MultiHeadAttention(2, 3);
        assertEquals(new MultiHeadAttention.Config(2, 3, 3, 0, true, null, Initializer.glorotUniform(), Initializer.zeros(),
                null, null, null, null, null, null), mha.config());
        mha.apply(List.of(GradientCheck.random(1, 2, 4), GradientCheck.random(1, 5, 6)), false);
        assertEquals(List.of("multi_head_attention/query/kernel", "multi_head_attention/query/bias", "multi_head_attention/key/kernel",
                "multi_head_attention/key/bias", "multi_head_attention/value/kernel", "multi_head_attention/value/bias",
                "multi_head_attention/attention_output/kernel", "multi_head_attention/attention_output/bias"),
                mha.namedWeights().stream().map(Weight::path).toList());
        assertEquals(List.of(Shape.of(4, 2, 3), Shape.of(2, 3), Shape.of(6, 2, 3), Shape.of(2, 3), Shape.of(6, 2, 3), Shape.of(2, 3),
                Shape.of(2, 3, 4), Shape.of(4)), mha.weights().stream().map(Tensor::shape).toList());
        assertEquals(4 * 6 + 6 + 2 * (6 * 6 + 6) + 6 * 4 + 4, mha.countParams());
        var noBias = new MultiHeadAttention(new MultiHeadAttention.Config(1, 2).withUseBias(false));
        noBias.apply(List.of(GradientCheck.random(1, 2, 4), GradientCheck.random(1, 2, 4)), false);
        assertEquals(4, noBias.weights().size());
    }

    @Test
    void outputShapeMatchesTheRealOutputs() {
        var mha = new MultiHeadAttention(new MultiHeadAttention.Config(2, 2).withOutputShape(Shape.of(2, 3)));
        var query = GradientCheck.random(2, 3, 4);
        var value = GradientCheck.random(2, 5, 6);
        var outputs = mha.apply(List.of(query, value), AttentionOptions.NONE.withAttentionScores(), false);
        assertEquals(List.of(Shape.of(2, 3, 2, 3), Shape.of(2, 2, 3, 5)), outputs.stream().map(Tensor::shape).toList());
        assertEquals(Shape.of(2, 3, 2, 3), mha.outputShapes(List.of(query.shape(), value.shape())).get(0));
        assertEquals(Shape.of(Shape.UNKNOWN, 3, 2, 3), mha.apply(Input.of(3, 4), Input.of(5, 6)).shape());
    }

    @Test
    void worksInAFunctionalModelWithMasksFromAnEmbedding() {
        var tokens = Input.of(DType.INT32, 4);
        var x = new Embedding(new Embedding.Config(5, 4).withMaskZero(true)).apply(tokens);
        var model = new Model(tokens, new MultiHeadAttention(2, 2).apply(x, x));
        var ids = Tensor.of(new int[] {1, 2, 0, 0, 3, 4, 1, 0}, 2, 4);
        var out = model.apply(ids, false);
        assertEquals(Shape.of(2, 4, 4), out.shape());
        assertValues(new double[] {1, 1, 0, 0, 1, 1, 1, 0}, Masks.of(out), 0);
    }

    @Test
    void configRoundTrip() {
        var config = new MultiHeadAttention.Config(4, 8).withValueDim(6).withDropout(0.1).withUseBias(false).withOutputShape(Shape.of(7))
                .withInitializers(Initializer.heNormal(), Initializer.ones()).withRegularizers(Regularizer.l2(), null, null)
                .withConstraints(Constraint.maxNorm(), null).withSeed(3);
        assertEquals(config, new MultiHeadAttention(config).config());
    }

    @Test
    void argumentAndShapeErrorsAreNamed() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(2, 0)), "keyDim must be positive", "keyDim=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(0, 4)), "numHeads=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention.Config(2, 2).withValueDim(-1)), "valueDim=-1");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention.Config(2, 2).withDropout(1)), "dropout=1.0");
        var mha = new MultiHeadAttention(2, 2);
        var x = GradientCheck.random(2, 3, 4);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> mha.apply(List.of(x), false)),
                "MultiHeadAttention 'multi_head_attention' expects inputs [query, value] or [query, value, key]", "1 inputs");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> mha.apply(List.of(x, GradientCheck.random(2, 4)), false)),
                "expects inputs of rank 3", "[2, 4]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> mha.apply(List.of(x, x, GradientCheck.random(2, 5, 4)), false)),
                "expects value and key with the same batch and steps", "value [2, 3, 4], key [2, 5, 4]");
        mha.apply(List.of(x, x), false);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> mha.apply(List.of(x, GradientCheck.random(2, 3, 5)), false)),
                "was built for query, value and key features [4, 4, 4]", "Received: features [4, 5, 5]");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> mha.apply(List.of(x, x), Arrays.asList(null, Tensor.ones(Shape.of(2, 4), DType.FLOAT64)), AttentionOptions.NONE, false)),
                "expects a value mask of shape [2, 3]", "Received: [2, 4]");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> mha.apply(List.of(x, x), AttentionOptions.NONE.withAttentionMask(Tensor.ones(Shape.of(2, 3, 4), DType.FLOAT64)), false)),
                "expects an attentionMask of shape [2, 3, 3]", "Received: [2, 3, 4]");
    }

    @Test
    void dropoutActsOnTheWeightsOnlyInTraining() {
        var mha = new MultiHeadAttention(new MultiHeadAttention.Config(2, 2).withDropout(0.5).withSeed(1));
        var x = GradientCheck.random(2, 3, 4);
        var inference = mha.apply(List.of(x, x), AttentionOptions.NONE.withAttentionScores(), false);
        var training = mha.apply(List.of(x, x), AttentionOptions.NONE.withAttentionScores(), true);
        assertValues(inference.get(1).toDoubleArray(), training.get(1), 1e-12);      // scores are returned before dropout
        assertTrue(Arrays.stream(inference.get(0).sub(training.get(0)).abs().toDoubleArray()).max().orElse(0) > 1e-6);
        assertNull(Masks.of(inference.get(0)));
    }
}
