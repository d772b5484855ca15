package dev.kiln.losses;

import java.util.Locale;

/**
 * How a loss turns the weighted per-sample losses {@code l·w} into what {@link Loss#apply} returns, as Keras's
 * {@code reduction} argument.
 */
public enum Reduction {
    /** Σ l·w / (number of per-sample losses): Keras's default (also called "mean"). Weights of 0 still count. */
    SUM_OVER_BATCH_SIZE,
    /** Σ l·w. */
    SUM,
    /** Σ l·w / Σ w (without weights: as SUM_OVER_BATCH_SIZE); 0 when the weights sum to 0. */
    MEAN_WITH_SAMPLE_WEIGHT,
    /** No reduction: the weighted per-sample losses, [B] (or [B, T] for per-step outputs). */
    NONE;

    /** The Keras spelling: "sum_over_batch_size", "sum", "mean_with_sample_weight", "none". */
    public String kerasName() { return name().toLowerCase(Locale.ROOT); }

    /** Parses a Keras spelling; "mean" is Keras's alias of "sum_over_batch_size". */
    public static Reduction of(String kerasName) {
        if ("mean".equals(kerasName)) return SUM_OVER_BATCH_SIZE;
        for (Reduction r : values()) if (r.kerasName().equals(kerasName)) return r;
        throw new IllegalArgumentException("Unknown reduction '" + kerasName
                + "'. Expected one of: sum_over_batch_size, mean, sum, mean_with_sample_weight, none");
    }
}
