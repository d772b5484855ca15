package dev.kiln.benchmarks.e2e.dl4j;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J network behind one face. Sequential models are {@link MultiLayerNetwork}s, as a DL4J user writes
 * them; the Transformer needs a {@link ComputationGraph} for its residual connections.
 */
abstract class Dl4jNetwork {

    /** The network's inputs for a batch of token ids [B, T], stored as floats as DL4J's embeddings expect. */
    abstract INDArray[] inputs(INDArray tokens);

    /** One training step. */
    abstract void fit(INDArray[] inputs, INDArray labels);

    /** Inference, [B, 1]. */
    abstract INDArray output(INDArray[] inputs);

    abstract long parameterCount();

    static Dl4jNetwork of(MultiLayerNetwork network) {
        network.init();
        return new Dl4jNetwork() {
            @Override INDArray[] inputs(INDArray tokens) { return new INDArray[] {tokens}; }

            @Override void fit(INDArray[] inputs, INDArray labels) { network.fit(new DataSet(inputs[0], labels)); }

            @Override INDArray output(INDArray[] inputs) { return network.output(inputs[0], false); }

            @Override long parameterCount() { return network.numParams(); }
        };
    }

    /** A graph whose inputs are the tokens and their positions 0..T-1 (the position embedding's ids). */
    static Dl4jNetwork withPositions(ComputationGraph graph) {
        graph.init();
        return new Dl4jNetwork() {
            @Override INDArray[] inputs(INDArray tokens) {
                long batch = tokens.size(0);
                long length = tokens.size(1);
                var positions = Nd4j.arange(length).castTo(tokens.dataType())
                        .reshape(1, length).repeat(0, batch);  // [B, T]
                return new INDArray[] {tokens, positions};
            }

            @Override void fit(INDArray[] inputs, INDArray labels) {
                graph.fit(new MultiDataSet(inputs, new INDArray[] {labels}));
            }

            @Override INDArray output(INDArray[] inputs) { return graph.output(false, inputs)[0]; }

            @Override long parameterCount() { return graph.numParams(); }
        };
    }
}
