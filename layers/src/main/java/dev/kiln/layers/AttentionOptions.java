package dev.kiln.layers;

import dev.kiln.core.Tensor;

/**
 * The keyword arguments of a Keras attention call, for {@code MultiHeadAttention}, {@code Attention},
 * {@code AdditiveAttention} and {@code TransformerEncoder}:
 *
 * <ul>
 *   <li>{@code attentionMask} [B, Tq, Tk] (or [1, Tq, Tk]): 1 where query step i may attend to key step j, 0 where it
 *       may not; null for none.</li>
 *   <li>{@code useCausalMask}: query step i may attend only to key steps j ≤ i (a decoder's self-attention).</li>
 *   <li>{@code returnAttentionScores}: the layer returns the attention weights (after masking and softmax, before
 *       dropout) as a second output.</li>
 * </ul>
 *
 * These masks and the inputs' padding masks (query [B, Tq], value and key [B, Tk]) combine by AND.
 */
public record AttentionOptions(Tensor attentionMask, boolean useCausalMask, boolean returnAttentionScores) {

    /** Keras's defaults: no attention mask, no causal mask, no scores. */
    public static final AttentionOptions NONE = new AttentionOptions(null, false, false);

    public AttentionOptions withAttentionMask(Tensor attentionMask) {
        return new AttentionOptions(attentionMask, useCausalMask, returnAttentionScores);
    }

    public AttentionOptions withCausalMask() { return new AttentionOptions(attentionMask, true, returnAttentionScores); }

    public AttentionOptions withAttentionScores() { return new AttentionOptions(attentionMask, useCausalMask, true); }
}
