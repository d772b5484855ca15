package dev.kiln.benchmarks.e2e.dl4j;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * W1 in DL4J: Embedding(V,16) → Conv1D(32,5,relu) → MaxPooling1D(2) → GlobalMaxPooling1D → Dense(16,relu) →
 * Dense(1,sigmoid). Activations are [B, C, T] (DL4J's default NCW) instead of Keras's [B, T, C].
 */
final class Dl4jCnn {

    private Dl4jCnn() {}

    static Dl4jNetwork build(int vocabularySize, int length, long seed) {
        var conf = Dl4jTrainer.defaults(seed).list()
                .layer(Dl4jTrainer.embedding(vocabularySize, 16, length))   // [B, 16, T]
                .layer(new Convolution1DLayer.Builder(5).nOut(32).activation(Activation.RELU)
                        .convolutionMode(ConvolutionMode.Truncate).build())  // [B, 32, T-4], Keras "valid"
                .layer(new Subsampling1DLayer.Builder(SubsamplingLayer.PoolingType.MAX, 2, 2).build())  // [B, 32, (T-4)/2]
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())        // [B, 32]
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.recurrent(vocabularySize, length))  // ids [B, T]; the size sets nIn
                .build();
        return Dl4jNetwork.of(new MultiLayerNetwork(conf));
    }
}
