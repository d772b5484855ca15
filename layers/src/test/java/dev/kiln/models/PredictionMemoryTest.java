package dev.kiln.models;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.LSTM;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.losses.Losses;
import dev.kiln.optim.Adam;
import org.junit.jupiter.api.Test;

/**
 * Prediction carves its arrays from a reused block (PredictionMemory): the results are copies that stay valid,
 * and what outlives a batch (weights a first prediction builds, a stateful layer's states) is made outside it.
 */
class PredictionMemoryTest {

    private static Tensor tokens(int seed, int batch) {
        var random = new java.util.Random(seed);
        int[] ids = new int[batch * 12];
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextInt(50);
        return Tensor.of(ids, batch, 12);
    }

    /** The same model's output with no block: the reference. */
    private static double[] withoutBlock(Model model, Tensor x) {
        try (var ignored = Tensor.noGrad(); var scope = MemoryScope.open()) {
            return model.apply(x, false).toDoubleArray();
        }
    }

    @Test
    void resultsStayValidAcrossBatchesAndWeightsBuiltByAPredictionLiveOn() {
        Kiln.seed(1);
        var model = new Sequential(new Embedding(50, 8), new Conv1D(6, 3, RELU), new MaxPooling1D(2), new GlobalMaxPooling1D(),
                new Dense(4, RELU), new Dense(1, SIGMOID));
        Tensor first = tokens(1, 5);
        Tensor firstPrediction = model.predictOnBatch(first);          // builds the model inside prediction
        double[] expected = firstPrediction.toDoubleArray();
        for (int seed = 2; seed < 5; seed++) model.predictOnBatch(tokens(seed, 7));   // larger batches: the block grows
        assertArrayEquals(expected, firstPrediction.toDoubleArray(), 0);               // a copy, not the block's memory
        assertArrayEquals(withoutBlock(model, first), expected, 1e-6);
        assertArrayEquals(withoutBlock(model, tokens(9, 10)), model.predict(tokens(9, 10), 3).toDoubleArray(), 1e-6);

        model.compile(new Adam(0.01), Losses.binaryCrossentropy());    // the weights the prediction built still train
        Tensor labels = Tensor.of(new float[] {1, 0, 1, 0, 1}, 5, 1);
        double before = model.testOnBatch(first, labels).get("loss");
        for (int step = 0; step < 20; step++) model.trainOnBatch(first, labels);
        assertFalse(model.testOnBatch(first, labels).get("loss") >= before);
    }

    @Test
    void statefulStatesSurviveTheBlockBetweenBatches() {
        Kiln.seed(2);
        var x = Tensor.uniform(Shape.of(2, 6, 3), -1, 1, DType.FLOAT32);
        var whole = new Sequential(new LSTM(4));
        var stateful = new Sequential(new LSTM(new LSTM.Config(4).withStateful(true)));
        double[] expected = whole.predictOnBatch(x).toDoubleArray();
        stateful.predictOnBatch(x.slice(1, 0, 3));                     // builds, and keeps its states
        stateful.setWeights(whole.weights());
        ((LSTM) stateful.layers().get(0)).resetStates();
        stateful.predictOnBatch(x.slice(1, 0, 3));
        whole.predictOnBatch(x);                                       // another prediction reuses the block in between
        assertArrayEquals(expected, stateful.predictOnBatch(x.slice(1, 3, 6)).toDoubleArray(), 1e-6);
    }
}
