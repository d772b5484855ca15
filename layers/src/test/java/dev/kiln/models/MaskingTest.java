package dev.kiln.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kiln.core.DType;
import dev.kiln.core.GradientCheck;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Activation;
import dev.kiln.layers.ActivationLayer;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.LayerTesting;
import dev.kiln.layers.Masks;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskingTest extends LayerTesting {

    private static Embedding maskedEmbedding() { return new Embedding(new Embedding.Config(6, 3).withMaskZero(true)); }

    @Test
    void averagePoolingAveragesOnlyUnmaskedSteps() {
        var embedding = maskedEmbedding();
        var tokens = Input.of(DType.INT32, 4);
        var model = new Model(tokens, new GlobalAveragePooling1D().apply(embedding.apply(tokens)));
        var ids = Tensor.of(new int[] {5, 2, 0, 0, 1, 0, 3, 0}, 2, 4);
        double[] table = embedding.weights().get(0).toDoubleArray();
        double[] expected = new double[6];
        for (int c = 0; c < 3; c++) {
            expected[c] = (table[5 * 3 + c] + table[2 * 3 + c]) / 2;
            expected[3 + c] = (table[3 + c] + table[3 * 3 + c]) / 2;
        }
        assertValues(expected, model.predict(ids), 1e-12);
        GradientCheck.check(in -> model.apply(ids, true), embedding.weights().get(0));
    }

    @Test
    void masksPropagateThroughLayersThatSupportMasking() {
        var embedding = maskedEmbedding();
        var ids = Tensor.of(new int[] {4, 1, 0, 0, 0}, 1, 5);
        Tensor x = embedding.apply(ids);
        Tensor mask = Masks.of(x);
        for (var layer : List.of(new Dense(4), new ActivationLayer(Activation.RELU), new Dropout(0.5),
                new LayerNormalization(), new BatchNormalization())) {
            x = layer.apply(x, true);
            assertEquals(mask, Masks.of(x), layer + " passes the mask on");
        }
        assertNull(Masks.of(new Conv1D(2, 2).apply(x)), "Conv1D drops the mask, as Keras");
        assertNull(Masks.of(new GlobalAveragePooling1D().apply(x)), "pooling over time consumes it");
    }

    @Test
    void paddingDoesNotChangeAMaskedModelsPrediction() {
        var anyLength = Input.of(DType.INT32, dev.kiln.core.Shape.UNKNOWN);
        var model = new Sequential(anyLength, maskedEmbedding(), new Dense(4, Activation.TANH), new GlobalAveragePooling1D(), new Dense(1));
        Tensor padded = model.predict(Tensor.of(new int[] {3, 5, 2, 0, 0, 0}, 1, 6));
        Tensor unpadded = model.predict(Tensor.of(new int[] {3, 5, 2}, 1, 3));
        assertValues(unpadded.toDoubleArray(), padded, 1e-12);
    }

    @Test
    void aNestedModelHandsItsOutputMaskOn() {
        var tokens = Input.of(DType.INT32, 4);
        var encoder = new Model(tokens, new Dense(2).apply(maskedEmbedding().apply(tokens)));
        var outer = Input.of(DType.INT32, 4);
        var model = new Model(outer, new GlobalAveragePooling1D().apply(encoder.apply(outer)));
        var ids = Tensor.of(new int[] {1, 2, 0, 0}, 1, 4);
        Tensor encoded = encoder.apply(ids);            // a call keeps the mask; predict returns plain arrays, as Keras
        assertValues(new double[] {1, 1, 0, 0}, Masks.of(encoded), 0);
        double[] e = encoded.toDoubleArray();
        assertValues(new double[] {(e[0] + e[2]) / 2, (e[1] + e[3]) / 2}, model.predict(ids), 1e-12);
    }
}
