package dev.kiln.benchmarks.e2e.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layer normalization over the channels of a [B, C, T] sequence with a learned gain and bias, as a SameDiff
 * layer: DL4J 1.0.0-M2.1 has no layer-normalization layer (only DenseLayer's {@code hasLayerNorm}, which
 * normalizes the dense pre-activation). ND4J's {@code layer_norm} op has no epsilon, where Keras adds 1e-3.
 */
final class LayerNorm extends SameDiffLayer {

    private long size;

    /** For DL4J's JSON copy of the configuration. */
    private LayerNorm() {}

    LayerNorm(long size) { this.size = size; }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) { return inputType; }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("gain", size);
        params.addBiasParam("bias", size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("gain").assign(1);
        params.get("bias").assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sameDiff, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        return sameDiff.nn.layerNorm(input, params.get("gain"), params.get("bias"), true, 1);  // normalize over C
    }
}
