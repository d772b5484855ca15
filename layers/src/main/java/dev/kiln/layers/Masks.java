package dev.kiln.layers;

import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Keras masks on eager tensors. A mask marks which time steps of a [B, T, ...] tensor hold data: a constant
 * [B, T] tensor of 1.0 (keep) and 0.0 (padding) in a float dtype. A layer's output carries the mask its
 * {@link Layer#computeMask} returned, as Keras's {@code _keras_mask}, so the next layer receives it without the
 * caller passing it along: {@code Embedding(maskZero = true)} creates one, layers that support masking pass it on,
 * and consumers (GlobalAveragePooling1D, recurrent layers, attention) read it in {@code call}.
 */
public final class Masks {

    // Weak keys compared by identity (Tensor keeps Object's equals): a mask lives as long as its tensor.
    private static final Map<Tensor, Tensor> ATTACHED = Collections.synchronizedMap(new WeakHashMap<>());

    private Masks() {}

    /** The mask carried by {@code tensor}, or null when it has none. */
    public static Tensor of(Tensor tensor) { return tensor == null ? null : ATTACHED.get(tensor); }

    static void attach(Tensor tensor, Tensor mask) {
        if (mask != null) ATTACHED.put(tensor, mask);
    }

    static List<Tensor> of(List<Tensor> tensors) {
        var masks = new ArrayList<Tensor>(tensors.size());
        for (Tensor t : tensors) masks.add(of(t));
        return masks;
    }

    /** Logical AND of the masks that are present (their product), or null when none is. */
    public static Tensor and(List<Tensor> masks) {
        Tensor result = null;
        for (Tensor m : masks) if (m != null) result = result == null ? m : result.mul(m.cast(result.dtype()));
        return result;
    }

    /** True when any mask in the list is present. */
    static boolean any(List<Tensor> masks) {
        for (Tensor m : masks) if (m != null) return true;
        return false;
    }
}
