package dev.kiln.benchmarks.e2e.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.benchmarks.e2e.Data;
import dev.kiln.benchmarks.e2e.Options;
import dev.kiln.benchmarks.e2e.Sequences;
import dev.kiln.benchmarks.e2e.Workload;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each DL4J workload builds, trains two steps and predicts at tiny shapes; numbers are never asserted. */
class Dl4jSmokeTest {

    private static final int VOCABULARY = 50;
    private static final int LENGTH = 12;

    @ParameterizedTest
    @EnumSource(value = Workload.class, names = {"W1", "W2_32", "W3"})
    void trainsAndPredicts(Workload workload) {
        var session = new Dl4jTrainer.Session(Dl4jTrainer.build(workload, VOCABULARY, LENGTH, 1));
        var data = Sequences.synthetic(4, LENGTH, VOCABULARY, 1);
        var batch = session.batch(data.tokens(), data.labels(), LENGTH);

        float[] before = session.predict(batch);
        session.trainStep(batch);
        session.trainStep(batch);
        float[] after = session.predict(batch);

        assertEquals(4, after.length);
        for (float p : after) assertTrue(p > 0 && p < 1, "probability " + p);
        assertFalse(java.util.Arrays.equals(before, after), "two Adam steps should move the predictions");
        assertArrayEquals(after, session.predict(batch), "inference must not apply dropout");
    }

    /** Keras's counts: W1 163,137; W2 673,089; W3 329,697 less the 128 attention biases DL4J lacks. */
    @Test
    void parameterCountsMatchKeras() {
        assertEquals(163_137, parameters(Workload.W1));
        assertEquals(673_089, parameters(Workload.W2_32));
        assertEquals(329_697 - 4 * 32, parameters(Workload.W3));
    }

    @Test
    void runsTheProtocolInProcess() {
        var options = new Options(1, 1, 0, 1, 1, 1, 16, 1, true, 1);
        var data = new Data(Sequences.synthetic(64, Workload.SEQUENCE_LENGTH, Workload.VOCABULARY_SIZE, 1),
                Sequences.synthetic(40, Workload.SEQUENCE_LENGTH, Workload.VOCABULARY_SIZE, 2),
                Sequences.synthetic(20, Workload.SEQUENCE_LENGTH, Workload.VOCABULARY_SIZE, 3),
                IntStream.range(0, 40).toArray());
        var result = new Dl4jTrainer().run(Workload.W1, options, data);
        assertEquals("dl4j", result.framework());
        assertEquals("deeplearning4j-nn 1.0.0-M2.1", result.version());
        assertTrue(result.trainSamplesPerSecond() > 0 && result.inferenceSamplesPerSecond() > 0);
        assertTrue(result.accuracy() >= 0 && result.accuracy() <= 1, "accuracy " + result.accuracy());
    }

    /** Each time step's channels come out with mean 0 and variance 1 (gain 1, bias 0 at initialization). */
    @Test
    void layerNormNormalizesTheChannelsOfEachStep() {
        var conf = Dl4jTrainer.defaults(1).list().layer(new LayerNorm(4))
                .layer(new RnnOutputLayer.Builder(LossFunction.MSE).nOut(4).activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(4, 3)).build();
        var network = new MultiLayerNetwork(conf);
        network.init();
        var input = Nd4j.rand(DataType.FLOAT, 2, 4, 3).muli(10).addi(3);  // [B, C, T]
        INDArray normalized = network.feedForward(input, false).get(1);
        assertArrayEquals(new long[] {2, 4, 3}, normalized.shape());
        assertEquals(0, normalized.mean(1).maxNumber().doubleValue(), 1e-5);
        assertEquals(1, normalized.var(false, 1).minNumber().doubleValue(), 1e-3);
    }

    private static long parameters(Workload workload) {
        var network = Dl4jTrainer.build(workload, Workload.VOCABULARY_SIZE, Workload.SEQUENCE_LENGTH, 1);
        return network.parameterCount();
    }
}
