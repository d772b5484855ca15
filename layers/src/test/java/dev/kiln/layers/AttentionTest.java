package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attention (Luong, dot and concat scores) and AdditiveAttention (Bahdanau), with Keras's masking. */
class AttentionTest extends LayerTesting {

    private static final Tensor QUERY_MASK = Tensor.of(new double[] {1, 1, 0, 1, 1, 1}, 2, 3);
    private static final Tensor VALUE_MASK = Tensor.of(new double[] {1, 1, 0, 0, 1, 1, 1, 1}, 2, 4);

    /** A score of one query row against one key row. */
    private interface Score {
        double of(double[] q, double[] k);
    }

    /**
     * The Keras computation written out: scores, −1e9 where the value mask or the causal mask forbids, softmax,
     * the weighted sum of values, zero at padded queries. {@code masks} may be null.
     */
    private static double[] reference(Tensor query, Tensor value, Tensor key, Score score, Tensor queryMask, Tensor valueMask, boolean causal) {
        int b = (int) query.size(0), tq = (int) query.size(1), tv = (int) value.size(1);
        int d = (int) query.size(2), dv = (int) value.size(2);
        double[] q = query.toDoubleArray(), k = key.toDoubleArray(), v = value.toDoubleArray();
        double[] out = new double[b * tq * dv];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < tq; i++) {
                double[] s = new double[tv];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < tv; j++) {
                    s[j] = score.of(Arrays.copyOfRange(q, (n * tq + i) * d, (n * tq + i + 1) * d), Arrays.copyOfRange(k, (n * tv + j) * d, (n * tv + j + 1) * d));
                    boolean masked = (valueMask != null && valueMask.toDoubleArray()[n * tv + j] == 0) || (causal && j > i);
                    if (masked) s[j] -= 1e9;
                    max = Math.max(max, s[j]);
                }
                double total = 0;
                for (int j = 0; j < tv; j++) total += s[j] = Math.exp(s[j] - max);
                boolean padded = queryMask != null && queryMask.toDoubleArray()[n * tq + i] == 0;
                for (int c = 0; c < dv; c++) {
                    double sum = 0;
                    for (int j = 0; j < tv; j++) sum += s[j] / total * v[(n * tv + j) * dv + c];
                    out[(n * tq + i) * dv + c] = padded ? 0 : sum;
                }
            }
        }
        return out;
    }

    private static double dot(double[] q, double[] k) {
        double s = 0;
        for (int i = 0; i < q.length; i++) s += q[i] * k[i];
        return s;
    }

    @Test
    void dotAttentionMatchesTheFormulaWithMasks() {
        var attention = new Attention();
        var query = GradientCheck.random(2, 3, 2);
        var value = GradientCheck.random(2, 4, 5);
        var key = GradientCheck.random(2, 4, 2);
        var outputs = attention.apply(List.of(query, value, key), Arrays.asList(QUERY_MASK, VALUE_MASK, null), AttentionOptions.NONE, false);
        assertValues(reference(query, value, key, AttentionTest::dot, QUERY_MASK, VALUE_MASK, false), outputs.get(0), 1e-12);
        assertSame(QUERY_MASK, Masks.of(outputs.get(0)));
        assertEquals(0, attention.weights().size());
    }

    @Test
    void scaledDotAndConcatScores() {
        var scaled = new Attention(new Attention.Config().withUseScale(true));
        var query = GradientCheck.random(2, 3, 2);
        var value = GradientCheck.random(2, 3, 2);
        scaled.apply(List.of(query, value), false);
        scaled.weights().get(0).assign(Tensor.scalar(0.5, query.dtype()));
        assertValues(reference(query, value, value, (q, k) -> 0.5 * dot(q, k), null, null, false), scaled.apply(List.of(query, value), false).get(0), 1e-12);
        var concat = new Attention(new Attention.Config().withUseScale(true).withScoreMode(Attention.ScoreMode.CONCAT));
        concat.apply(List.of(query, value), false);
        assertEquals(List.of("scale", "concat_score_weight"), concat.namedWeights().stream().map(Weight::name).toList());
        concat.weights().get(0).assign(Tensor.scalar(0.5, query.dtype()));
        concat.weights().get(1).assign(Tensor.scalar(2, query.dtype()));
        Score concatScore = (q, k) -> {
            double s = 0;
            for (int i = 0; i < q.length; i++) s += Math.tanh(0.5 * (q[i] + k[i]));
            return 2 * s;
        };
        assertValues(reference(query, value, value, concatScore, null, VALUE_MASK.slice(1, 0, 3), true),
                concat.apply(List.of(query, value), Arrays.asList(null, VALUE_MASK.slice(1, 0, 3)), AttentionOptions.NONE.withCausalMask(), false).get(0), 1e-12);
    }

    @Test
    void additiveAttentionMatchesTheFormula() {
        var additive = new AdditiveAttention();
        var query = GradientCheck.random(2, 3, 2);
        var value = GradientCheck.random(2, 4, 3);
        var key = GradientCheck.random(2, 4, 2);
        additive.apply(List.of(query, value, key), false);
        assertEquals("additive_attention/scale", additive.namedWeights().get(0).path());
        assertEquals(Shape.of(2), additive.weights().get(0).shape());
        double[] scale = additive.weights().get(0).toDoubleArray();
        Score score = (q, k) -> scale[0] * Math.tanh(q[0] + k[0]) + scale[1] * Math.tanh(q[1] + k[1]);
        var outputs = additive.apply(List.of(query, value, key), Arrays.asList(QUERY_MASK, VALUE_MASK, null), AttentionOptions.NONE, false);
        assertValues(reference(query, value, key, score, QUERY_MASK, VALUE_MASK, false), outputs.get(0), 1e-12);
        var unscaled = new AdditiveAttention(new AdditiveAttention.Config().withUseScale(false));
        Score plain = (q, k) -> Math.tanh(q[0] + k[0]) + Math.tanh(q[1] + k[1]);
        assertValues(reference(query, value, key, plain, null, null, false), unscaled.apply(List.of(query, value, key), false).get(0), 1e-12);
    }

    @Test
    void maskedKeysAndFutureStepsGetExactlyZeroWeight() {
        var x = GradientCheck.random(2, 4, 3);
        for (BaseDenseAttention layer : List.of(new Attention(), new AdditiveAttention())) {
            var outputs = layer.apply(List.of(x, x), Arrays.asList(null, VALUE_MASK), AttentionOptions.NONE.withCausalMask().withAttentionScores(), false);
            double[] w = outputs.get(1).toDoubleArray();
            double[] vm = VALUE_MASK.toDoubleArray();
            assertEquals(Shape.of(2, 4, 4), outputs.get(1).shape());
            for (int n = 0; n < 2; n++) for (int i = 0; i < 4; i++) {
                double sum = 0;
                for (int j = 0; j < 4; j++) {
                    if (j > i || vm[n * 4 + j] == 0) assertEquals(0.0, w[(n * 4 + i) * 4 + j], 0, layer + " weight " + List.of(n, i, j));
                    sum += w[(n * 4 + i) * 4 + j];
                }
                assertEquals(1, sum, 1e-12);
            }
        }
    }

    @Test
    void gradientsOfDotConcatAndAdditiveAttention() {
        var query = GradientCheck.random(2, 3, 2);
        var value = GradientCheck.random(2, 4, 3);
        var key = GradientCheck.random(2, 4, 2);
        var masks = Arrays.asList(QUERY_MASK, VALUE_MASK, null);
        var options = AttentionOptions.NONE.withAttentionScores();
        List<BaseDenseAttention> layers = List.of(new Attention(new Attention.Config().withUseScale(true)),
                new Attention(new Attention.Config().withUseScale(true).withScoreMode(Attention.ScoreMode.CONCAT)), new AdditiveAttention());
        for (BaseDenseAttention layer : layers) {
            checkGradients(layer, in -> {
                var outputs = layer.apply(List.of(in.get(0), in.get(1), in.get(2)), masks, options, true);
                return outputs.get(0).sum().add(outputs.get(1).square().sum());
            }, query, value, key);
        }
        var causal = new AdditiveAttention();
        checkGradients(causal, in -> causal.apply(List.of(in.get(0), in.get(0)), AttentionOptions.NONE.withCausalMask(), true).get(0), value);
    }

    @Test
    void outputShapesConfigsAndErrors() {
        var attention = new Attention();
        var query = GradientCheck.random(2, 3, 2);
        var value = GradientCheck.random(2, 4, 5);
        var key = GradientCheck.random(2, 4, 2);
        assertEquals(attention.apply(List.of(query, value, key), false).get(0).shape(), attention.outputShapes(List.of(query.shape(), value.shape(), key.shape())).get(0));
        assertEquals(Shape.of(Shape.UNKNOWN, 3, 5), attention.apply(Input.of(3, 2), Input.of(4, 5), Input.of(4, 2)).shape());
        var config = new Attention.Config().withUseScale(true).withScoreMode(Attention.ScoreMode.CONCAT).withDropout(0.2).withSeed(4);
        assertEquals(config, new Attention(config).config());
        assertEquals("concat", config.scoreMode().kerasName());
        var additive = new AdditiveAttention.Config().withUseScale(false).withDropout(0.1).withSeed(2);
        assertEquals(additive, new AdditiveAttention(additive).config());
        assertEquals(new AdditiveAttention.Config(true, 0, null), new AdditiveAttention().config());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Attention.Config().withDropout(1.5)), "dropout=1.5");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> attention.apply(List.of(query), false)),
                "Attention 'attention' expects inputs [query, value] or [query, value, key]", "1 inputs");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> attention.apply(List.of(query, value), false)),
                "expects query and key with the same features", "query [2, 3, 2], key [2, 4, 5]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> attention.apply(List.of(query, value, GradientCheck.random(2, 3, 2)), false)),
                "expects value and key with the same batch and steps", "value [2, 4, 5], key [2, 3, 2]");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> attention.apply(List.of(query, value, key), Arrays.asList(null, QUERY_MASK, null), AttentionOptions.NONE, false)),
                "expects a value mask of shape [2, 4]", "Received: [2, 3]");
    }
}
