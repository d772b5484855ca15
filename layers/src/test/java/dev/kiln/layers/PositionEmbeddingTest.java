package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PositionEmbedding, SinePositionEncoding and TokenAndPositionEmbedding, as KerasHub. */
class PositionEmbeddingTest extends LayerTesting {

    private static final Tensor IDS = Tensor.of(new int[] {1, 0, 3, 2, 2, 0}, 2, 3);

    @Test
    void positionEmbeddingRepeatsTheFirstRowsOverTheBatch() {
        var layer = new PositionEmbedding(5);
        var x = GradientCheck.random(2, 3, 2);
        var out = layer.apply(x);
        assertEquals(Shape.of(5, 2), layer.weights().get(0).shape());
        assertEquals("position_embedding/embeddings", layer.namedWeights().get(0).path());
        double[] table = layer.weights().get(0).toDoubleArray();
        double[] expected = new double[12];
        for (int b = 0; b < 2; b++) for (int t = 0; t < 3; t++) for (int e = 0; e < 2; e++) expected[(b * 3 + t) * 2 + e] = table[t * 2 + e];
        assertValues(expected, out, 0);
        assertOutputShape(layer, x);
        assertEquals(new PositionEmbedding.Config(5, Initializer.glorotUniform()), layer.config());
    }

    @Test
    void positionEmbeddingGradientsSumOverTheBatchAndSkipUnusedRows() {
        var layer = new PositionEmbedding(4);
        var x = GradientCheck.random(2, 3, 2);
        checkGradients(layer, in -> layer.apply(x, true).tanh(), new Tensor[0]);
        var full = new PositionEmbedding(3);
        checkGradients(full, in -> full.apply(x, true).tanh(), new Tensor[0]);
        layer.weights().get(0).zeroGrad();
        layer.apply(x, true).sum().backward();
        assertValues(new double[] {2, 2, 2, 2, 2, 2, 0, 0}, layer.weights().get(0).grad(), 0);
    }

    @Test
    void positionEmbeddingErrorsAreNamed() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new PositionEmbedding(0)), "sequenceLength=0");
        var layer = new PositionEmbedding(3);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer.apply(GradientCheck.random(2, 4, 2))),
                "PositionEmbedding 'position_embedding' has sequenceLength 3", "Received: [2, 4, 2]");
        layer.apply(GradientCheck.random(1, 3, 2));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer.apply(GradientCheck.random(1, 3, 5))),
                "was built for 2 features", "Received: [1, 3, 5]");
    }

    @Test
    void sineEncodingFollowsTheFormula() {
        var layer = new SinePositionEncoding();
        var x = GradientCheck.random(2, 3, 4);
        double[] out = layer.apply(x).toDoubleArray();
        // E = 4: timescales 1, 1, 10000^(-1/2) = 1/100, 1/100; even features sin, odd cos.
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                double[] expected = {Math.sin(t), Math.cos(t), Math.sin(t / 100.0), Math.cos(t / 100.0)};
                for (int j = 0; j < 4; j++) assertEquals(expected[j], out[(b * 3 + t) * 4 + j], 1e-15);
            }
        }
        var odd = new SinePositionEncoding(new SinePositionEncoding.Config(100)).apply(GradientCheck.random(1, 2, 3)).toDoubleArray();
        // E = 3, maxWavelength 100: feature 2 has timescale 100^(-2/3).
        assertValues(new double[] {0, 1, 0, Math.sin(1), Math.cos(1), Math.sin(Math.pow(100, -2.0 / 3))}, Tensor.of(odd, 6), 1e-15);
        assertOutputShape(layer, x);
        assertEquals(0, layer.weights().size());
        assertEquals(DType.FLOAT64, layer.apply(x).dtype());
        assertEquals(new SinePositionEncoding.Config(10_000), layer.config());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new SinePositionEncoding.Config(0)), "maxWavelength=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer.apply(GradientCheck.random(3))),
                "SinePositionEncoding", "expects input of rank >= 2", "Received: [3]");
    }

    @Test
    void tokenAndPositionEmbeddingSumsBothTables() {
        var layer = new TokenAndPositionEmbedding(4, 5, 2);
        var out = layer.apply(IDS);
        assertEquals(List.of("token_and_position_embedding/token_embedding/embeddings",
                "token_and_position_embedding/position_embedding/embeddings"), layer.namedWeights().stream().map(Weight::path).toList());
        double[] tokens = layer.weights().get(0).toDoubleArray();
        double[] positions = layer.weights().get(1).toDoubleArray();
        int[] ids = IDS.toIntArray();
        double[] expected = new double[12];
        for (int i = 0; i < 6; i++) for (int e = 0; e < 2; e++) expected[i * 2 + e] = tokens[ids[i] * 2 + e] + positions[(i % 3) * 2 + e];
        assertValues(expected, out, 1e-15);
        for (double v : tokens) assertEquals(0, v, 0.05);
        for (double v : positions) assertEquals(0, v, 0.05);
        assertOutputShape(layer, IDS);
        assertNull(Masks.of(out));
        assertEquals(Shape.of(Shape.UNKNOWN, 5, 2), new TokenAndPositionEmbedding(4, 5, 2).apply(Input.of(DType.INT32, 5)).shape());
    }

    @Test
    void tokenAndPositionEmbeddingMasksZerosAndTrains() {
        var layer = new TokenAndPositionEmbedding(new TokenAndPositionEmbedding.Config(4, 3, 2).withMaskZero(true));
        assertValues(new double[] {1, 0, 1, 1, 1, 0}, Masks.of(layer.apply(IDS)), 0);
        checkGradients(layer, in -> layer.apply(IDS, true).tanh(), new Tensor[0]);
    }

    @Test
    void tokenAndPositionEmbeddingConfigAndErrors() {
        var config = new TokenAndPositionEmbedding.Config(10, 4, 3).withMaskZero(true).withEmbeddingsInitializer(Initializer.glorotNormal());
        assertEquals(config, new TokenAndPositionEmbedding(config).config());
        assertEquals(new TokenAndPositionEmbedding.Config(10, 4, 3, Initializer.randomUniform(), false), new TokenAndPositionEmbedding(10, 4, 3).config());
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new TokenAndPositionEmbedding(10, 4, 0)), "embeddingDim=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new TokenAndPositionEmbedding(0, 4, 2)), "vocabularySize=0");
        var layer = new TokenAndPositionEmbedding(10, 2, 3);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer.apply(IDS)),
                "TokenAndPositionEmbedding '" + layer.name() + "' has sequenceLength 2", "Received: [2, 3]");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> layer.apply(Tensor.of(new int[] {1, 2, 3}, 3))),
                "expects token ids of rank 2 [batch, steps]", "Received: [3]");
    }
}
