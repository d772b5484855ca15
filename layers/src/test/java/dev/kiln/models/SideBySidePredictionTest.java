package dev.kiln.models;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.SideBySide;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.LSTM;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.layers.Regularizer;
import dev.kiln.layers.TokenAndPositionEmbedding;
import dev.kiln.layers.TransformerEncoder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import usercode.Doubling;

/**
 * A prediction batch is cut into parts that run side by side (SideBySide) when Kiln has two threads: the
 * outputs equal the whole batch's, for each model family, and models that are not safe to split run whole.
 * Surefire gives Kiln one thread; these tests set two through the {@code kiln.threads} property.
 */
class SideBySidePredictionTest {

    private static final int VOCABULARY = 50, LENGTH = 12;

    @AfterEach
    void oneThreadAgain() { System.clearProperty("kiln.threads"); }

    private static Tensor tokens(int seed, int batch) {
        var random = new Random(seed);
        int[] ids = new int[batch * LENGTH];
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextInt(VOCABULARY);   // zeros too: padding for maskZero
        return Tensor.of(ids, batch, LENGTH);
    }

    private static double[] predicted(Model model, Tensor x, int threads) {
        System.setProperty("kiln.threads", Integer.toString(threads));
        try (var scope = MemoryScope.open()) {
            return model.predictOnBatch(x).toDoubleArray();
        }
    }

    private static List<Model> families() {
        Kiln.setFloatx(DType.FLOAT32);
        Kiln.seed(3);
        var cnn = new Sequential(Input.of(DType.INT32, LENGTH), new Embedding(VOCABULARY, 8), new Conv1D(6, 3, RELU),
                new MaxPooling1D(2), new GlobalMaxPooling1D(), new Dense(4, RELU), new Dense(1, SIGMOID));
        var lstm = new Sequential(Input.of(DType.INT32, LENGTH), new Embedding(VOCABULARY, 8), new LSTM(5), new Dense(1, SIGMOID));
        var transformer = new Sequential(Input.of(DType.INT32, LENGTH),
                new TokenAndPositionEmbedding(new TokenAndPositionEmbedding.Config(VOCABULARY, LENGTH, 8).withMaskZero(true)),
                new TransformerEncoder(new TransformerEncoder.Config(8, 2).withDropout(0.1)), new GlobalAveragePooling1D(),
                new Dense(1, SIGMOID));
        return List.of(cnn, lstm, transformer);
    }

    @Test
    void partsOfABatchPredictWhatTheWholeBatchDoes() {
        System.setProperty("kiln.threads", "2");
        assertEquals(2, SideBySide.parts(99));
        assertEquals(1, SideBySide.parts(63));                  // parts of fewer than 32 rows cost more than they save
        Tensor x = tokens(1, 99);                                      // parts of 49 and 50 rows
        for (Model model : families()) {
            assertTrue(model.predictsInParts(), model.layers().toString());
            double[] whole = predicted(model, x, 1);
            assertArrayEquals(whole, predicted(model, x, 2), 1e-6, model.layers().toString());
            try (var scope = MemoryScope.open()) {                     // predict's batches of 64 and 35: split, then whole
                assertArrayEquals(whole, model.predict(x, 64).toDoubleArray(), 1e-6, model.layers().toString());
            }
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("kiln-part-")));
    }

    @Test
    void statefulLayersLayersOfOtherPackagesAndAddedLossesRunWhole() {
        Kiln.seed(4);
        var stateful = new Sequential(Input.of(DType.INT32, LENGTH), new Embedding(VOCABULARY, 8),
                new LSTM(new LSTM.Config(5).withStateful(true)), new Dense(1));
        var custom = new Sequential(Input.of(DType.INT32, LENGTH), new Embedding(VOCABULARY, 8), new Doubling(),
                new GlobalMaxPooling1D(), new Dense(1));
        var penalized = new Sequential(Input.of(DType.INT32, LENGTH), new Embedding(VOCABULARY, 8), new GlobalMaxPooling1D(),
                new Dense(new Dense.Config(1, SIGMOID).withRegularizers(null, null, Regularizer.l2(0.1))));
        Tensor x = tokens(2, 64);
        for (Model model : List.of(stateful, custom, penalized)) assertFalse(model.predictsInParts(), model.layers().toString());
        for (Model model : List.of(custom, penalized)) assertArrayEquals(predicted(model, x, 1), predicted(model, x, 2), 0, model.layers().toString());
        predicted(stateful, x, 2);                                     // split, the next call would find states for 32 rows
        predicted(stateful, x, 2);
    }

    @Test
    void aFailingPartFailsThePredictionAndTheNextPredictionSplitsAgain() {
        Model model = families().get(0);
        Tensor valid = tokens(5, 80);
        double[] expected = predicted(model, valid, 1);
        int[] ids = new int[80 * LENGTH];
        ids[75 * LENGTH + 3] = VOCABULARY + 7;                         // in the second part, which a worker thread runs
        var failure = assertThrows(IllegalArgumentException.class, () -> predicted(model, Tensor.of(ids, 80, LENGTH), 2));
        assertTrue(failure.getMessage().contains("indices must be in [0, 50)"), failure.getMessage());
        assertArrayEquals(expected, predicted(model, valid, 2), 1e-6);
    }
}
