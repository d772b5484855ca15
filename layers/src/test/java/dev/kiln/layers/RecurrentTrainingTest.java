package dev.kiln.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.NN;
import dev.kiln.core.Tensor;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A masked LSTM classifier learns a small task end to end with a hand-written training loop: is the first token of a
 * sequence a 5? Sequences of 2 to 6 tokens from 1..5 are padded with 0 to 8 steps, half before and half after, so the
 * answer sits at a different step in every sequence and only the masks keep the padding out of the state.
 */
class RecurrentTrainingTest {

    private static final int STEPS = 8;

    /** tokens [n, 8] and labels [n, 1]. */
    private static Tensor[] data(int n, Random random) {
        int[] tokens = new int[n * STEPS];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            int length = 2 + random.nextInt(5);
            int start = random.nextBoolean() ? 0 : STEPS - length;       // post or pre padding
            boolean positive = random.nextBoolean();
            for (int t = 0; t < length; t++) tokens[i * STEPS + start + t] = 1 + random.nextInt(4);   // 1..4
            if (positive) tokens[i * STEPS + start] = 5;
            else if (random.nextBoolean()) tokens[i * STEPS + start + 1 + random.nextInt(length - 1)] = 5;   // a 5, but not first
            labels[i] = positive ? 1 : 0;
        }
        return new Tensor[] {Tensor.of(tokens, n, STEPS), Tensor.of(labels, n, 1)};
    }

    private static double accuracy(Sequential model, Tensor[] data) {
        try (var scope = MemoryScope.open()) {
            float[] logits = model.predict(data[0]).toFloatArray();
            float[] labels = data[1].toFloatArray();
            int correct = 0;
            for (int i = 0; i < logits.length; i++) if ((logits[i] > 0) == (labels[i] > 0.5f)) correct++;
            return (double) correct / logits.length;
        }
    }

    @Test
    void aMaskedLstmLearnsWhichTokenCameFirst() {
        Kiln.seed(11);
        Layer.resetNames();
        var random = new Random(11);
        var train = data(512, random);
        var test = data(256, random);
        var model = new Sequential(new Embedding(new Embedding.Config(6, 8).withMaskZero(true)), new LSTM(8), new Dense(1));
        var optimizer = new Adam(0.02);
        double before = accuracy(model, test);
        for (int step = 0; step < 150; step++) {
            long[] rows = new long[32];
            for (int i = 0; i < rows.length; i++) rows[i] = random.nextInt(512);
            try (var scope = MemoryScope.open()) {
                Tensor tokens = train[0].rows(rows);
                Tensor labels = train[1].rows(rows);
                MemoryScope.adopt(tokens, labels);
                Tensor loss = NN.sigmoidCrossEntropyWithLogits(model.apply(tokens, true), labels).mean();
                for (Tensor w : model.trainableWeights()) w.zeroGrad();
                loss.backward();
                optimizer.apply(model.trainableWeights());
            }
        }
        double after = accuracy(model, test);
        assertTrue(after >= 0.97, "test accuracy " + after + " (before training: " + before + ")");
    }
}
