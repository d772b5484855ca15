package dev.kiln.benchmarks.e2e.kiln;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;

import dev.kiln.benchmarks.e2e.Data;
import dev.kiln.benchmarks.e2e.Options;
import dev.kiln.benchmarks.e2e.Protocol;
import dev.kiln.benchmarks.e2e.Result;
import dev.kiln.benchmarks.e2e.Trainer;
import dev.kiln.benchmarks.e2e.Workload;
import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Tensor;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.LSTM;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.layers.TokenAndPositionEmbedding;
import dev.kiln.layers.TransformerEncoder;
import dev.kiln.losses.Losses;
import dev.kiln.models.Input;
import dev.kiln.models.Model;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;

/** Kiln's side of the end-to-end benchmark: the workloads as a Keras user writes them, trained with trainOnBatch. */
public final class KilnTrainer implements Trainer {

    @Override
    public String framework() { return "kiln"; }

    @Override
    public String version() {
        return "kiln " + dev.kiln.saving.ModelFile.kilnVersion() + ", Vector API " + (Kiln.usesVectorApi() ? "on" : "off");
    }

    @Override
    public Result run(Workload workload, Options options, Data data) {
        Kiln.start();
        return Protocol.run(this, workload, options, data, () -> {
            Kiln.seed(options.seed());
            return new Session(build(workload));
        });
    }

    /** A fresh model for the workload, compiled with Adam(1e-3) and binary cross-entropy. */
    public static Model build(Workload workload) {
        int length = Workload.SEQUENCE_LENGTH;
        int vocabulary = Workload.VOCABULARY_SIZE;
        Model model = switch (workload) {
            case W1 -> new Sequential(Input.of(DType.INT32, length), new Embedding(vocabulary, 16), new Conv1D(32, 5, RELU),
                    new MaxPooling1D(2), new GlobalMaxPooling1D(), new Dense(16, RELU), new Dense(1, SIGMOID));
            case W2_32, W2_128 -> new Sequential(Input.of(DType.INT32, length), new Embedding(vocabulary, 64), new LSTM(64),
                    new Dense(1, SIGMOID));
            case W3 -> new Sequential(Input.of(DType.INT32, length), new TokenAndPositionEmbedding(vocabulary, length, 32),
                    new TransformerEncoder(new TransformerEncoder.Config(32, 2).withDropout(0.1)), new GlobalAveragePooling1D(),
                    new Dense(1, SIGMOID));
        };
        model.compile(new Adam(1e-3), Losses.binaryCrossentropy());
        return model;
    }

    /** Batches as Kiln tensors: int32 tokens [B, T] and float32 labels [B, 1]. */
    public record Batch(Tensor tokens, Tensor labels) {

        /** {@code tokens} [n, length] row-major and {@code labels} [n] of 0/1 as a batch. */
        public static Batch of(int[] tokens, int[] labels, int length) {
            float[] y = new float[labels.length];
            for (int i = 0; i < labels.length; i++) y[i] = labels[i];
            return new Batch(Tensor.of(tokens, labels.length, length), Tensor.of(y, labels.length, 1));
        }
    }

    private record Session(Model model) implements Protocol.Session<Batch> {

        @Override
        public Batch batch(int[] tokens, int[] labels, int length) { return Batch.of(tokens, labels, length); }

        @Override
        public void trainStep(Batch batch) { model.trainOnBatch(batch.tokens(), batch.labels()); }

        @Override
        public float[] predict(Batch batch) {
            try (var scope = MemoryScope.open()) {
                return model.predictOnBatch(batch.tokens()).toFloatArray();
            }
        }
    }
}
