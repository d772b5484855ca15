package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.NN;
import dev.kiln.core.Tensor;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A tiny Transformer classifier learns a synthetic task with a hand-written training loop, in float32. */
class TransformerTrainingTest {

    private static final int LENGTH = 8;
    private static final int VOCABULARY = 10;

    /** Token ids [n, 8] in [1, 10) with zero padding after a random length of 3 to 8; the label is "first token ≥ 5". */
    private record Data(Tensor tokens, Tensor labels, int[] label) {
        static Data draw(int n, Random random) {
            int[] ids = new int[n * LENGTH];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                int length = 3 + random.nextInt(LENGTH - 2);
                for (int t = 0; t < length; t++) ids[i * LENGTH + t] = 1 + random.nextInt(VOCABULARY - 1);
                labels[i] = ids[i * LENGTH] >= 5 ? 1 : 0;
            }
            return new Data(Tensor.of(ids, n, LENGTH), Tensor.of(labels, n), labels);
        }
    }

    @Test
    void learnsToReadTheFirstTokenThroughAttention() {
        Kiln.setFloatx(DType.FLOAT32);
        Kiln.seed(7);
        var random = new Random(7);
        var train = Data.draw(512, random);
        var test = Data.draw(256, random);
        var model = new Sequential(Input.of(DType.INT32, LENGTH),
                new TokenAndPositionEmbedding(new TokenAndPositionEmbedding.Config(VOCABULARY, LENGTH, 16).withMaskZero(true)),
                new TransformerEncoder(new TransformerEncoder.Config(16, 2).withDropout(0.1)),
                new GlobalAveragePooling1D(),
                new Dense(2));
        var optimizer = new Adam(3e-3);
        var weights = model.trainableWeights();
        double before = accuracy(model, test);
        double accuracy = before;
        int epoch = 0;
        for (; epoch < 40 && accuracy < 0.97; epoch++) {
            for (int start = 0; start < 512; start += 32) {
                long[] rows = new long[32];
                for (int i = 0; i < 32; i++) rows[i] = start + i;
                try (var step = MemoryScope.open()) {
                    Tensor logits = model.apply(train.tokens().rows(rows), true);                   // [32, 2]
                    Tensor loss = NN.sparseSoftmaxCrossEntropyWithLogits(logits, train.labels().rows(rows)).mean();
                    for (Tensor w : weights) w.zeroGrad();
                    loss.backward();
                    optimizer.apply(weights);
                }
            }
            accuracy = accuracy(model, test);
        }
        assertTrue(before < 0.75, "an untrained model should be near chance (55% say 'first token >= 5'); it got " + before);
        assertTrue(accuracy >= 0.95, "test accuracy " + accuracy + " after " + epoch + " epochs");
    }

    private static double accuracy(Sequential model, Data data) {
        try (var scope = MemoryScope.open()) {
            float[] logits = model.predict(data.tokens()).toFloatArray();
            int correct = 0;
            for (int i = 0; i < data.label().length; i++) correct += (logits[2 * i + 1] > logits[2 * i] ? 1 : 0) == data.label()[i] ? 1 : 0;
            return correct / (double) data.label().length;
        }
    }
}
