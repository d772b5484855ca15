package dev.kiln.optim;

/**
 * The options every Keras optimizer takes besides its learning rate: decoupled weight decay and gradient clipping.
 * 0 switches an option off (Keras: {@code None}).
 *
 * <ul>
 *   <li>{@code weightDecay}: before each update, {@code w ← w − lr · weightDecay · w} (Keras
 *       {@code _apply_weight_decay}); decoupled from the gradient, so adaptive optimizers do not rescale it.
 *   <li>{@code clipnorm}: each parameter's gradient g becomes {@code g · clipnorm / max(‖g‖₂, clipnorm)}.
 *   <li>{@code clipvalue}: each gradient element is clipped to {@code [−clipvalue, clipvalue]}.
 *   <li>{@code globalClipnorm}: all gradients are scaled together by {@code globalClipnorm / max(N, globalClipnorm)},
 *       where {@code N = sqrt(Σ ‖g‖₂²)} over every parameter that has a gradient.
 * </ul>
 * As in Keras, at most one of the three clipping options can be set.
 */
public record OptimizerOptions(double weightDecay, double clipnorm, double clipvalue, double globalClipnorm) {

    /** No weight decay and no clipping: the Keras defaults. */
    public static final OptimizerOptions NONE = new OptimizerOptions(0, 0, 0, 0);

    public OptimizerOptions {
        Check.nonNegative("weightDecay", weightDecay);
        Check.nonNegative("clipnorm", clipnorm);
        Check.nonNegative("clipvalue", clipvalue);
        Check.nonNegative("globalClipnorm", globalClipnorm);
        int clippings = (clipnorm > 0 ? 1 : 0) + (clipvalue > 0 ? 1 : 0) + (globalClipnorm > 0 ? 1 : 0);
        if (clippings > 1) {
            throw new IllegalArgumentException("Only one of clipnorm, clipvalue and globalClipnorm can be set. Received: clipnorm="
                    + clipnorm + ", clipvalue=" + clipvalue + ", globalClipnorm=" + globalClipnorm);
        }
    }

    public OptimizerOptions withWeightDecay(double weightDecay) {
        return new OptimizerOptions(weightDecay, clipnorm, clipvalue, globalClipnorm);
    }

    public OptimizerOptions withClipnorm(double clipnorm) {
        return new OptimizerOptions(weightDecay, clipnorm, clipvalue, globalClipnorm);
    }

    public OptimizerOptions withClipvalue(double clipvalue) {
        return new OptimizerOptions(weightDecay, clipnorm, clipvalue, globalClipnorm);
    }

    public OptimizerOptions withGlobalClipnorm(double globalClipnorm) {
        return new OptimizerOptions(weightDecay, clipnorm, clipvalue, globalClipnorm);
    }
}
