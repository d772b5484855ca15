package dev.kiln.benchmarks.e2e.dl4j;

import dev.kiln.benchmarks.e2e.Data;
import dev.kiln.benchmarks.e2e.Options;
import dev.kiln.benchmarks.e2e.Protocol;
import dev.kiln.benchmarks.e2e.Result;
import dev.kiln.benchmarks.e2e.Trainer;
import dev.kiln.benchmarks.e2e.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Deeplearning4j 1.0.0-M2.1 on the same ND4J as Kiln: W1 {@link Dl4jCnn}, W2 {@link Dl4jLstm}, W3
 * {@link Dl4jTransformer}. Shared settings follow Keras: Adam(1e-3, epsilon 1e-7), Glorot-uniform kernels, zero
 * biases, embeddings uniform in [-0.05, 0.05], float32. DL4J has no orthogonal initializer, so the LSTM's
 * recurrent kernel is Glorot-uniform too.
 */
public final class Dl4jTrainer implements Trainer {

    @Override
    public String framework() { return "dl4j"; }

    @Override
    public String version() {
        var properties = new Properties();
        try (var in = NeuralNetConfiguration.class.getResourceAsStream(
                "/META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties")) {
            if (in != null) properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "deeplearning4j-nn " + properties.getProperty("version", "unknown");
    }

    @Override
    public Result run(Workload workload, Options options, Data data) {
        // ND4J's own thread setting, as Kiln applies it, on top of OMP_NUM_THREADS.
        Nd4j.getEnvironment().setMaxMasterThreads(options.threads());
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(options.threads());
        return Protocol.run(this, workload, options, data,
                () -> new Session(build(workload, Workload.VOCABULARY_SIZE, Workload.SEQUENCE_LENGTH, options.seed())));
    }

    /** A fresh, initialized network for the workload. */
    static Dl4jNetwork build(Workload workload, int vocabularySize, int length, long seed) {
        return switch (workload) {
            case W1 -> Dl4jCnn.build(vocabularySize, length, seed);
            case W2_32, W2_128 -> Dl4jLstm.build(vocabularySize, length, seed);
            case W3 -> Dl4jTransformer.build(vocabularySize, length, seed);
        };
    }

    static NeuralNetConfiguration.Builder defaults(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3, 0.9, 0.999, 1e-7))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .biasInit(0);
    }

    /** Keras's Embedding: ids [B, T] → [B, size, T], initialized uniform in [-0.05, 0.05], no bias. */
    static EmbeddingSequenceLayer embedding(int vocabularySize, int size, int length) {
        return new EmbeddingSequenceLayer.Builder().nIn(vocabularySize).nOut(size).inputLength(length)
                .weightInit(new WeightInitDistribution(new UniformDistribution(-0.05, 0.05))).build();
    }

    /** A batch converted to DL4J's arrays once, before timing. */
    record Batch(INDArray[] inputs, INDArray labels) {}

    static final class Session implements Protocol.Session<Batch> {

        private final Dl4jNetwork network;

        Session(Dl4jNetwork network) { this.network = network; }

        @Override
        public Batch batch(int[] tokens, int[] labels, int length) {
            float[] ids = new float[tokens.length];
            for (int i = 0; i < ids.length; i++) ids[i] = tokens[i];
            float[] targets = new float[labels.length];
            for (int i = 0; i < targets.length; i++) targets[i] = labels[i];
            var inputs = network.inputs(Nd4j.create(ids, new long[] {labels.length, length}, 'c'));
            return new Batch(inputs, Nd4j.create(targets, new long[] {labels.length, 1}, 'c'));
        }

        @Override
        public void trainStep(Batch batch) { network.fit(batch.inputs(), batch.labels()); }

        @Override
        public float[] predict(Batch batch) { return network.output(batch.inputs()).toFloatVector(); }
    }
}
