package dev.kiln.layers;

import dev.kiln.core.DType;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * How the attention layers mask: padding, explicit and causal masks combined into one [B, Tq, Tk] mask of 1.0
 * (attend) and 0.0 (do not), which NN's masked softmax turns into exactly zero weight.
 */
final class AttentionMasks {

    private AttentionMasks() {}

    /**
     * The AND (product) of the masks present, as Keras's {@code _compute_attention_mask}: the query's padding mask
     * [B, Tq] as [B, Tq, 1], the value's and key's [B, Tk] as [B, 1, Tk], the explicit mask [B or 1, Tq, Tk] and the
     * causal mask [1, Tq, Tk] (1 where j ≤ i). Null when there is none. Wrong mask shapes are named errors of {@code layer}.
     */
    static Tensor combine(Layer layer, Tensor query, Tensor key, Tensor queryMask, Tensor valueMask, Tensor keyMask,
                          Tensor attentionMask, boolean causal) {
        long batch = query.size(0);
        long tq = query.size(1);
        long tk = key.size(1);
        DType dtype = query.dtype();
        Tensor mask = null;
        if (queryMask != null) mask = and(mask, checked(layer, "a query mask", queryMask, Shape.of(batch, tq)).cast(dtype).expandDims(-1));
        if (valueMask != null) mask = and(mask, checked(layer, "a value mask", valueMask, Shape.of(batch, tk)).cast(dtype).expandDims(1));
        if (keyMask != null) mask = and(mask, checked(layer, "a key mask", keyMask, Shape.of(batch, tk)).cast(dtype).expandDims(1));
        if (attentionMask != null) {
            Shape s = attentionMask.shape();
            Shape expected = Shape.of(s.rank() == 3 && s.get(0) == 1 ? 1 : batch, tq, tk);    // one mask may serve the batch
            mask = and(mask, checked(layer, "an attentionMask", attentionMask, expected).cast(dtype));
        }
        if (causal) mask = and(mask, causalMask(tq, tk, dtype));
        return mask;
    }

    private static Tensor and(Tensor a, Tensor b) { return a == null ? b : a.mul(b); }

    private static Tensor checked(Layer layer, String what, Tensor mask, Shape expected) {
        if (!mask.shape().equals(expected)) throw layer.inputError("expects " + what + " of shape " + expected, mask.shape());
        return mask;
    }

    /** [1, Tq, Tk]: 1 where key step j ≤ query step i, so no step attends to the future. */
    static Tensor causalMask(long tq, long tk, DType dtype) {
        double[] values = new double[Math.toIntExact(tq * tk)];
        for (int i = 0; i < tq; i++) for (int j = 0; j <= i && j < tk; j++) values[(int) (i * tk + j)] = 1;
        return temporary(constant(values, dtype, 1, tq, tk));
    }

    /** A constant tensor of {@code dtype} from row-major values; not recorded in any memory scope. */
    static Tensor constant(double[] values, DType dtype, long... shape) {
        if (dtype == DType.FLOAT64) return Tensor.of(values, shape);
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) floats[i] = (float) values[i];
        return Tensor.of(floats, shape).cast(dtype);
    }

    /** Hands a per-call constant to the open memory scope, which frees it with the step's other temporaries. */
    static Tensor temporary(Tensor constant) {
        MemoryScope.adopt(constant);
        return constant;
    }
}
