package dev.kiln.benchmarks.e2e.dl4j;

import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * W3 in DL4J: token + position embeddings (32) → one post-norm Transformer encoder block → global average pool
 * → Dense(1, sigmoid). The block is Keras's: x = LayerNorm(x + Dropout(MHA(x))), then
 * x = LayerNorm(x + Dropout(Dense(32)(Dense(32, relu)(x)))), dropout 0.1.
 *
 * <p>What differs from Keras, because DL4J offers it this way: {@link SelfAttentionLayer} (2 heads of 16) has
 * no biases in its four projections; layer normalization is our {@link LayerNorm} SameDiff layer (no epsilon);
 * the positions are a second network input (ids 0..T-1) into their own embedding, added by a vertex.
 */
final class Dl4jTransformer {

    private static final int WIDTH = 32;
    private static final ElementWiseVertex ADD = new ElementWiseVertex(ElementWiseVertex.Op.Add);

    private Dl4jTransformer() {}

    static Dl4jNetwork build(int vocabularySize, int length, long seed) {
        var conf = Dl4jTrainer.defaults(seed).graphBuilder()
                .addInputs("tokens", "positions")                                       // [B, T] each
                .addLayer("tokenEmbedding", Dl4jTrainer.embedding(vocabularySize, WIDTH, length), "tokens")
                .addLayer("positionEmbedding", Dl4jTrainer.embedding(length, WIDTH, length), "positions")
                .addVertex("embedded", ADD, "tokenEmbedding", "positionEmbedding")     // [B, 32, T]
                .addLayer("attention", new SelfAttentionLayer.Builder().nOut(WIDTH).nHeads(2).headSize(WIDTH / 2)
                        .projectInput(true).build(), "embedded")
                .addLayer("attentionDropout", new DropoutLayer.Builder(0.9).build(), "attention")  // keeps 90%
                .addVertex("residual1", ADD, "embedded", "attentionDropout")
                .addLayer("norm1", new LayerNorm(WIDTH), "residual1")
                .addLayer("feedForward1", timeDistributed(Activation.RELU), "norm1")
                .addLayer("feedForward2", timeDistributed(Activation.IDENTITY), "feedForward1")
                .addLayer("feedForwardDropout", new DropoutLayer.Builder(0.9).build(), "feedForward2")
                .addVertex("residual2", ADD, "norm1", "feedForwardDropout")
                .addLayer("norm2", new LayerNorm(WIDTH), "residual2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "norm2")  // [B, 32]
                .addLayer("output", new OutputLayer.Builder(LossFunction.XENT).nOut(1)
                        .activation(Activation.SIGMOID).build(), "pool")
                .setOutputs("output")
                .setInputTypes(InputType.recurrent(vocabularySize, length), InputType.recurrent(length, length))
                .build();
        return Dl4jNetwork.withPositions(new ComputationGraph(conf));
    }

    /** Dense(32) applied at every time step of a [B, 32, T] sequence. */
    private static TimeDistributed timeDistributed(Activation activation) {
        return new TimeDistributed(new DenseLayer.Builder().nOut(WIDTH).activation(activation).build(),
                RNNFormat.NCW);
    }
}
