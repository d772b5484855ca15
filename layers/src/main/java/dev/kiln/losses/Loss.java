package dev.kiln.losses;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Arrays;

/**
 * A loss: labels and predictions in, one number to minimize out, as Keras 3's {@code keras.losses.Loss}.
 *
 * <p>{@link #apply} computes the per-sample losses l with {@link #call} ([B], or [B, T] for per-step outputs; most
 * losses average over the last axis), multiplies them by the sample weights w, and reduces as {@link #reduction()}
 * says; the default, {@link Reduction#SUM_OVER_BATCH_SIZE}, gives Σ l·w / B. Labels are cast to the predictions'
 * dtype. Shapes: B batch, K classes.
 *
 * <p>Sample weights may be a scalar, one weight per sample ([B] or [B, 1]), or the per-sample losses' shape. One
 * weight per sample multiplies every loss of that sample; Keras would broadcast a [B] weight against [B, T] losses
 * from the right, which fails or pairs the wrong axes, so Kiln aligns it with the batch axis instead.
 *
 * <p>Rank-1 predictions [B] count as one prediction per sample (Keras would average them into one scalar first).
 */
public abstract class Loss {

    /** The arguments of this loss, Keras's {@code get_config()}. */
    public abstract LossConfig config();

    /** The per-sample losses, before weights and reduction: [B] (or [B, T, ...] for per-step predictions). */
    protected abstract Tensor call(Tensor yTrue, Tensor yPred);

    /** The name the trainer logs this loss under, e.g. "binary_crossentropy". */
    public String name() { return config().name(); }

    public Reduction reduction() { return config().reduction(); }

    /** The same loss with another reduction, e.g. {@code Losses.meanSquaredError().withReduction(Reduction.SUM)}. */
    public Loss withReduction(Reduction reduction) { return config().withReduction(reduction).create(); }

    /** The reduced loss of a batch: a scalar, or per-sample losses [B] with {@link Reduction#NONE}. */
    public final Tensor apply(Tensor yTrue, Tensor yPred) { return apply(yTrue, yPred, null); }

    /** The reduced, weighted loss of a batch; {@code sampleWeight} may be null. */
    public final Tensor apply(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        checkBatch(yTrue, yPred);
        Tensor losses = call(yTrue, yPred);
        Tensor weights = sampleWeight == null ? null : alignWeights(sampleWeight, losses);
        return reduce(weights == null ? losses : losses.mul(weights), weights);
    }

    private Tensor reduce(Tensor weighted, Tensor weights) {
        if (reduction() == Reduction.NONE) return weighted;
        Tensor sum = weighted.sum();
        if (reduction() == Reduction.SUM) return sum;
        long count = weighted.shape().size();
        double divisor = reduction() == Reduction.MEAN_WITH_SAMPLE_WEIGHT && weights != null
                ? weights.sum().item() * (count / weights.shape().size())       // Σ w over every loss
                : count;
        return divisor == 0 ? sum.mul(0.0) : sum.div(divisor);                  // Keras's divide_no_nan
    }

    /** A scalar, [B] or [B, 1] weight becomes a per-sample factor of the losses' rank; the losses' own shape stays. */
    private Tensor alignWeights(Tensor sampleWeight, Tensor losses) {
        Tensor w = sampleWeight.cast(losses.dtype());
        Shape ws = w.shape();
        Shape ls = losses.shape();
        if (ws.rank() == 0 || ws.equals(ls)) return w;
        long batch = ls.get(0);
        if (ws.get(0) == batch && ws.size() == batch) {
            long[] perSample = new long[ls.rank()];
            Arrays.fill(perSample, 1);
            perSample[0] = batch;
            return w.reshape(perSample);
        }
        throw new IllegalArgumentException(displayName() + ": sample weights of shape " + ws + " do not fit the per-sample losses "
                + ls + ". Expected a scalar, one weight per sample ([" + batch + "] or [" + batch + ", 1]) or the shape " + ls);
    }

    private void checkBatch(Tensor yTrue, Tensor yPred) {
        if (yPred.rank() == 0) {
            throw new IllegalArgumentException(displayName() + " expects predictions with a batch axis. Received a scalar prediction");
        }
        if (yTrue.rank() == 0 || yTrue.size(0) != yPred.size(0)) {
            throw new IllegalArgumentException(displayName() + ": labels and predictions must have the same batch size. Received yTrue "
                    + yTrue.shape() + " and yPred " + yPred.shape());
        }
    }

    // ---- helpers for the losses ----

    /** Labels and predictions after Keras's squeeze_or_expand_to_same_rank. */
    protected record Aligned(Tensor yTrue, Tensor yPred) {}

    /**
     * Aligns ranks as Keras does (a trailing axis of 1 is added to rank-1 labels or removed from the other side when
     * the ranks differ by one), then requires equal shapes.
     */
    protected final Aligned alignSameShape(Tensor yTrue, Tensor yPred) {
        Tensor t = yTrue;
        Tensor p = yPred;
        if (t.rank() == p.rank() + 1 && t.shape().last() == 1) {
            if (p.rank() == 1) p = p.expandDims(-1);
            else t = t.squeeze(-1);
        } else if (p.rank() == t.rank() + 1 && p.shape().last() == 1) {
            if (t.rank() == 1) t = t.expandDims(-1);
            else p = p.squeeze(-1);
        }
        if (!t.shape().equals(p.shape())) {
            throw new IllegalArgumentException(displayName() + " expects labels of the predictions' shape " + yPred.shape() + shapeHint()
                    + ". Received labels " + yTrue.shape());
        }
        return new Aligned(t, p);
    }

    /** Added to the shape error: what labels this loss wants, and which loss takes the other kind. */
    protected String shapeHint() { return ""; }

    /** Fails, naming this loss, when a label lies outside [low, high]. One min/max pass over the labels. */
    protected final void checkLabelRange(Tensor labels, double low, double high) {
        double[] range = Labels.range(labels);
        if (!(range[0] >= low && range[1] <= high)) {                  // also fails for NaN
            throw labelOutOfRange(range[0] >= low ? range[1] : range[0], low, high);
        }
    }

    /** "BinaryCrossentropy expects labels in [0, 1]. Received a label 2.0" */
    protected final IllegalArgumentException labelOutOfRange(double label, double low, double high) {
        return new IllegalArgumentException(displayName() + " expects labels in [" + Labels.format(low) + ", " + Labels.format(high)
                + "]. Received a label " + label);
    }

    /** The mean over the last axis, which Keras takes for element-wise losses; rank-1 losses are already per sample. */
    protected static Tensor meanOverLastAxis(Tensor elementwise) {
        return elementwise.rank() >= 2 ? elementwise.mean(-1) : elementwise;
    }

    /** The class name, e.g. "BinaryCrossentropy", used in error messages. */
    protected String displayName() { return getClass().getSimpleName(); }

    @Override
    public String toString() { return displayName() + config().toString().replaceFirst("^Config", ""); }
}
