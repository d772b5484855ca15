package dev.kiln.benchmarks.e2e;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The end-to-end workloads of issue 11, all on IMDB-shaped data: token ids in [0, 10,000), sequences of 100,
 * binary labels, Adam with learning rate 1e-3, binary cross-entropy.
 */
public enum Workload {
    W1("W1", 32, "Embedding(10000,16) → Conv1D(32,5,relu) → MaxPooling1D(2) → GlobalMaxPooling1D → Dense(16,relu)"
            + " → Dense(1,sigmoid)"),
    W2_32("W2-32", 32, "Embedding(10000,64) → LSTM(64) → Dense(1,sigmoid)"),
    W2_128("W2-128", 128, "Embedding(10000,64) → LSTM(64) → Dense(1,sigmoid)"),
    W3("W3", 32, "token + position Embedding(32) → Transformer encoder block (2 heads of 16, feed-forward 32,"
            + " dropout 0.1) → GlobalAveragePooling1D → Dense(1,sigmoid)");

    public static final int VOCABULARY_SIZE = 10_000;
    public static final int SEQUENCE_LENGTH = 100;

    private final String id;
    private final int batchSize;
    private final String architecture;

    Workload(String id, int batchSize, String architecture) {
        this.id = id;
        this.batchSize = batchSize;
        this.architecture = architecture;
    }

    /** The name on the command line, in the table and in the PyTorch script: W1, W2-32, W2-128, W3. */
    public String id() { return id; }

    /** The training batch size; inference always uses {@link Options#inferenceBatchSize()}. */
    public int batchSize() { return batchSize; }

    /** The model, in Keras terms. */
    public String architecture() { return architecture; }

    public static Workload of(String id) {
        for (Workload workload : values()) {
            if (workload.id.equalsIgnoreCase(id)) return workload;
        }
        throw new IllegalArgumentException("Unknown workload. Expected one of "
                + Arrays.stream(values()).map(Workload::id).collect(Collectors.joining(", ")) + ". Received: " + id);
    }
}
