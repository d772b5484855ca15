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

class EmbeddingTest extends LayerTesting {

    private static final Tensor IDS = Tensor.of(new int[] {1, 0, 3, 3, 2, 0}, 2, 3);

    @Test
    void gradientOfTheEmbeddingsAddsUpRepeatedIndices() {
        var embedding = new Embedding(4, 3);
        checkGradients(embedding, in -> embedding.apply(IDS, true).tanh(), new Tensor[0]);
    }

    @Test
    void forwardLooksRowsUpForIntAndFloatIndices() {
        var embedding = new Embedding(4, 2);
        embedding.maybeBuild(IDS.shape());
        embedding.setWeights(List.of(tensor(new double[] {0, 0, 1, 1, 2, 2, 3, 3}, 4, 2)));
        var expected = new double[] {1, 1, 0, 0, 3, 3, 3, 3, 2, 2, 0, 0};
        assertValues(expected, embedding.apply(IDS), 0);
        assertValues(expected, embedding.apply(IDS.cast(DType.FLOAT32)), 0);
        assertOutputShape(embedding, IDS);
        assertEquals(DType.FLOAT64, embedding.apply(IDS).dtype());
    }

    @Test
    void maskZeroMarksPaddingSteps() {
        var embedding = new Embedding(new Embedding.Config(4, 2).withMaskZero(true));
        var out = embedding.apply(IDS);
        assertValues(new double[] {1, 0, 1, 1, 1, 0}, Masks.of(out), 0);
        assertEquals(Shape.of(2, 3), Masks.of(out).shape());
        assertNull(Masks.of(new Embedding(4, 2).apply(IDS)));
    }

    @Test
    void kerasDefaultsAndConfigRoundTrip() {
        var embedding = new Embedding(10, 3);
        assertEquals(new Embedding.Config(10, 3, new Initializer.RandomUniform(-0.05, 0.05), null, null, null, false), embedding.config());
        embedding.apply(IDS);
        assertEquals("embedding/embeddings", embedding.namedWeights().get(0).path());
        for (double v : embedding.weights().get(0).toDoubleArray()) assertEquals(0, v, 0.05);
        var config = new Embedding.Config(7, 2).withMaskZero(true).withRegularizers(Regularizer.l2(), null)
                .withEmbeddingsConstraint(Constraint.unitNorm(1));
        assertEquals(config, new Embedding(config).config());
    }

    @Test
    void errorsNameTheValues() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Embedding(0, 3)), "inputDim=0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Embedding(3, -1)), "outputDim=-1");
        var embedding = new Embedding(3, 2);
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> embedding.apply(IDS)), "[0, 3)", "[0, 3]");
        assertEquals(Shape.of(Shape.UNKNOWN, 5, 2), new Embedding(3, 2).apply(Input.of(DType.INT32, 5)).shape());
        assertThrows(IllegalArgumentException.class, () -> embedding.apply(GradientCheck.random(2).sum()));
    }
}
