package dev.kiln.benchmarks.e2e.dl4j;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * W2 in DL4J: Embedding(V,64) → LSTM(64) → Dense(1,sigmoid). DL4J's LSTM has Keras's gates (no peepholes),
 * sigmoid gates, tanh cell activation and a forget-gate bias of 1 (Keras's {@code unit_forget_bias});
 * {@link LastTimeStep} makes it return the last step only, as Keras's default {@code return_sequences=False}.
 */
final class Dl4jLstm {

    private Dl4jLstm() {}

    static Dl4jNetwork build(int vocabularySize, int length, long seed) {
        var conf = Dl4jTrainer.defaults(seed).list()
                .layer(Dl4jTrainer.embedding(vocabularySize, 64, length))   // [B, 64, T]
                .layer(new LastTimeStep(new LSTM.Builder().nOut(64).activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(1.0).build()))  // [B, 64]
                .layer(new OutputLayer.Builder(LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.recurrent(vocabularySize, length))  // ids [B, T]; the size sets nIn
                .build();
        return Dl4jNetwork.of(new MultiLayerNetwork(conf));
    }
}
