package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** TransformerEncoder and TransformerDecoder blocks, as KerasHub. */
class TransformerTest extends LayerTesting {

    private static final Tensor MASK = Tensor.of(new double[] {1, 1, 0, 1, 1, 1}, 2, 3);

    /** Builds {@code layer} for {@code shapes} and gives it {@code weights} (taken in order from the front of the list). */
    private static <L extends Layer> L withWeights(L layer, List<Tensor> weights, Shape... shapes) {
        layer.maybeBuild(List.of(shapes));
        int n = layer.weights().size();
        layer.setWeights(List.copyOf(weights.subList(0, n)));
        weights.subList(0, n).clear();
        return layer;
    }

    /** The block rebuilt from standalone layers holding its weights, in KerasHub's weight order. */
    private static Tensor encoderByHand(TransformerEncoder encoder, Tensor x, Tensor mask) {
        var weights = new ArrayList<>(encoder.weights());
        var shape = x.shape();
        var attention = withWeights(new MultiHeadAttention(2, 2), weights, shape, shape);
        var norm1 = withWeights(new LayerNormalization(new LayerNormalization.Config().withEpsilon(1e-5)), weights, shape);
        var norm2 = withWeights(new LayerNormalization(new LayerNormalization.Config().withEpsilon(1e-5)), weights, shape);
        var intermediate = withWeights(new Dense(3, Activation.RELU), weights, shape);
        var output = withWeights(new Dense(4), weights, shape.withLast(3));
        assertEquals(0, weights.size());
        if (encoder.config().normalizeFirst()) {
            var n1 = norm1.apply(x);
            var y = x.add(attention.apply(List.of(n1, n1), Arrays.asList(mask, mask), AttentionOptions.NONE, false).get(0));
            return y.add(output.apply(intermediate.apply(norm2.apply(y))));
        }
        var y = norm1.apply(x.add(attention.apply(List.of(x, x), Arrays.asList(mask, mask), AttentionOptions.NONE, false).get(0)));
        return norm2.apply(y.add(output.apply(intermediate.apply(y))));
    }

    /**
     * A gradient check through the inputs, which exercises every op of the block's backward, and through one cheap
     * weight of each kind of part; each part's own weights are checked in its own test.
     */
    private static void checkBlockGradients(Layer block, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        f.apply(List.of(inputs));
        var checked = new ArrayList<>(List.of(inputs));
        for (Weight w : block.namedWeights()) {
            if (w.path().endsWith("norm/gamma") || w.path().endsWith("intermediate_dense/kernel") || w.path().endsWith("attention_output/bias")) {
                checked.add(w.value());
            }
        }
        GradientCheck.check(args -> f.apply(args.subList(0, inputs.length)), checked.toArray(Tensor[]::new));
    }

    @Test
    void encoderComposesAttentionFeedForwardNormsAndResiduals() {
        var x = GradientCheck.random(2, 3, 4);
        for (boolean normalizeFirst : new boolean[] {false, true}) {
            var encoder = new TransformerEncoder(new TransformerEncoder.Config(3, 2).withNormalizeFirst(normalizeFirst));
            encoder.apply(x);
            for (Tensor w : encoder.weights()) w.assign(GradientCheck.random(w.shape().dims()));
            assertValues(encoderByHand(encoder, x, MASK).toDoubleArray(), encoder.apply(x, MASK, AttentionOptions.NONE, false).get(0), 1e-12);
            assertValues(encoderByHand(encoder, x, null).toDoubleArray(), encoder.apply(x), 1e-12);
        }
    }

    @Test
    void encoderWeightPathsAndDefaults() {
        var encoder = new TransformerEncoder(8, 2);
        assertEquals(new TransformerEncoder.Config(8, 2, 0, Activation.RELU, 1e-5, Initializer.glorotUniform(), Initializer.zeros(), false),
                encoder.config());
        encoder.apply(Input.of(5, 4));
        var paths = encoder.namedWeights().stream().map(Weight::path).toList();
        assertEquals("transformer_encoder/self_attention_layer/query/kernel", paths.get(0));
        assertEquals(List.of("transformer_encoder/self_attention_layer/attention_output/bias",
                "transformer_encoder/self_attention_layer_norm/gamma", "transformer_encoder/self_attention_layer_norm/beta",
                "transformer_encoder/feedforward_layer_norm/gamma", "transformer_encoder/feedforward_layer_norm/beta",
                "transformer_encoder/feedforward_intermediate_dense/kernel", "transformer_encoder/feedforward_intermediate_dense/bias",
                "transformer_encoder/feedforward_output_dense/kernel", "transformer_encoder/feedforward_output_dense/bias"), paths.subList(7, 16));
        assertEquals(Shape.of(4, 2, 2), encoder.weights().get(0).shape());
        assertEquals(Shape.of(4, 8), encoder.weights().get(12).shape());
        var config = new TransformerEncoder.Config(5, 1).withDropout(0.1).withActivation(Activation.GELU).withLayerNormEpsilon(1e-6)
                .withInitializers(Initializer.heNormal(), Initializer.ones()).withNormalizeFirst(true);
        assertEquals(config, new TransformerEncoder(config).config());
    }

    @Test
    void encoderGradientsWithAndWithoutMasks() {
        var x = GradientCheck.random(2, 3, 4);
        var encoder = new TransformerEncoder(new TransformerEncoder.Config(3, 2).withActivation(Activation.TANH));
        checkBlockGradients(encoder, in -> encoder.apply(in.get(0), MASK, AttentionOptions.NONE, true).get(0), x);
        var preNorm = new TransformerEncoder(new TransformerEncoder.Config(3, 2).withActivation(Activation.TANH).withNormalizeFirst(true));
        checkBlockGradients(preNorm, in -> preNorm.apply(in.get(0), true), x);
    }

    @Test
    void encoderPaddingIsInvisibleToRealStepsAndTheMaskPassesThrough() {
        var encoder = new TransformerEncoder(3, 2);
        var x = GradientCheck.random(2, 3, 4);
        var out = encoder.apply(x, MASK, AttentionOptions.NONE.withAttentionScores(), false);
        assertSame(MASK, Masks.of(out.get(0)));
        assertEquals(List.of(Shape.of(2, 3, 4), Shape.of(2, 2, 3, 3)), out.stream().map(Tensor::shape).toList());
        assertEquals(List.of(x.shape()), encoder.outputShapes(List.of(x.shape())));
        double[] changed = x.toDoubleArray();
        for (int c = 0; c < 4; c++) changed[2 * 4 + c] = 10;     // sample 0, padded step 2
        double[] before = out.get(0).toDoubleArray();
        double[] after = encoder.apply(Tensor.of(changed, 2, 3, 4), MASK, AttentionOptions.NONE, false).get(0).toDoubleArray();
        for (int i = 0; i < 2 * 4; i++) assertEquals(before[i], after[i], 1e-12);
        assertOutputShape(encoder, x);
        var causal = encoder.apply(x, AttentionOptions.NONE.withCausalMask().withAttentionScores(), false).get(1).toDoubleArray();
        assertEquals(0.0, causal[1], 0);
    }

    @Test
    void encoderErrorsAreNamed() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new TransformerEncoder(0, 2)), "intermediateDim=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new TransformerEncoder(4, 0)), "numHeads=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new TransformerEncoder.Config(4, 2).withLayerNormEpsilon(0)), "layerNormEpsilon=0.0");
        var encoder = new TransformerEncoder(4, 8);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> encoder.apply(GradientCheck.random(2, 3, 4))),
                "TransformerEncoder 'transformer_encoder' has numHeads=8", "Received: [2, 3, 4]");
        var built = new TransformerEncoder(4, 2);
        built.apply(GradientCheck.random(2, 3, 4));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> built.apply(GradientCheck.random(2, 3, 6))),
                "was built for 4 features", "Received: [2, 3, 6]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> built.apply(GradientCheck.random(2, 3))),
                "expects input of rank 3", "Received: [2, 3]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> built.apply(GradientCheck.random(2, 3, 4), GradientCheck.random(2, 4).detach(),
                AttentionOptions.NONE, false)), "expects a query mask of shape [2, 3]", "Received: [2, 4]");
    }

    @Test
    void decoderIsCausalByDefault() {
        var decoder = new TransformerDecoder(3, 2);
        var x = GradientCheck.random(2, 4, 4);
        double[] before = decoder.apply(x).toDoubleArray();
        double[] changed = x.toDoubleArray();
        for (int c = 0; c < 4; c++) changed[3 * 4 + c] += 3;     // sample 0, last step
        double[] after = decoder.apply(Tensor.of(changed, 2, 4, 4)).toDoubleArray();
        for (int i = 0; i < 3 * 4; i++) assertEquals(before[i], after[i], 1e-12, "earlier steps cannot see the last one");
        assertTrue(Math.abs(before[12] - after[12]) > 1e-6);
        double[] bidirectional = decoder.apply(List.of(Tensor.of(changed, 2, 4, 4)), null, null, false, false).toDoubleArray();
        assertTrue(Math.abs(bidirectional[0] - after[0]) > 1e-9, "without the causal mask the first step sees the last");
        assertEquals(16, decoder.weights().size());
    }

    @Test
    void decoderGradientsWithAndWithoutCrossAttention() {
        var decoder = new TransformerDecoder(new TransformerDecoder.Config(3, 2).withActivation(Activation.TANH));
        checkBlockGradients(decoder, in -> decoder.apply(List.of(in.get(0)), Arrays.asList(MASK), false).get(0), GradientCheck.random(2, 3, 4));
        var cross = new TransformerDecoder(new TransformerDecoder.Config(3, 2).withActivation(Activation.TANH).withNormalizeFirst(true));
        var encoderMask = Tensor.of(new double[] {1, 1, 1, 0, 1, 1, 1, 1}, 2, 4);
        checkBlockGradients(cross, in -> cross.apply(List.of(in.get(0), in.get(1)), Arrays.asList(MASK, encoderMask), true).get(0),
                GradientCheck.random(2, 3, 4), GradientCheck.random(2, 4, 2));
    }

    @Test
    void decoderCrossAttentionWeightsMasksAndErrors() {
        var decoder = new TransformerDecoder(3, 2);
        var x = GradientCheck.random(2, 3, 4);
        var encoded = GradientCheck.random(2, 5, 6);
        var out = decoder.apply(List.of(x, encoded), Arrays.asList(MASK, null), false).get(0);
        assertSame(MASK, Masks.of(out));
        assertEquals(x.shape(), out.shape());
        assertEquals(Shape.of(Shape.UNKNOWN, 3, 4), new TransformerDecoder(3, 2).apply(Input.of(3, 4), Input.of(5, 6)).shape());
        var paths = decoder.namedWeights().stream().map(Weight::path).toList();
        assertEquals(List.of("transformer_decoder/self_attention/query/kernel", "transformer_decoder/self_attention_layer_norm/gamma",
                        "transformer_decoder/cross_attention/query/kernel", "transformer_decoder/cross_attention/key/kernel",
                        "transformer_decoder/cross_attention_layer_norm/gamma", "transformer_decoder/feedforward_intermediate_dense/kernel",
                        "transformer_decoder/feedforward_output_dense/kernel", "transformer_decoder/feedforward_layer_norm/gamma"),
                List.of(paths.get(0), paths.get(8), paths.get(10), paths.get(12), paths.get(18), paths.get(20), paths.get(22), paths.get(24)));
        assertEquals(Shape.of(6, 2, 2), decoder.weights().get(12).shape());
        var encoderMask = Tensor.of(new double[] {1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 3, 5);
        assertEquals(x.shape(), decoder.apply(List.of(x, encoded), null, encoderMask, true, true).shape());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> decoder.apply(x)),
                "TransformerDecoder 'transformer_decoder' was built with cross-attention, so it expects 2 input(s)", "Received: 1 inputs");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> decoder.apply(List.of(x, GradientCheck.random(2, 5, 3)), false)),
                "was built for inputs [[2, 3, 4], [2, 5, 6]]", "[2, 5, 3]");
        var config = new TransformerDecoder.Config(7, 1).withDropout(0.2).withNormalizeFirst(true).withActivation(Activation.GELU);
        assertEquals(config, new TransformerDecoder(config).config());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new TransformerDecoder.Config(3, 2).withDropout(-0.1)), "dropout=-0.1");
    }
}
