package dev.kiln.metrics;

import dev.kiln.core.Tensor;

/**
 * A quantity accumulated over the batches of an epoch, as Keras's {@code keras.metrics.Metric}: {@link #update} adds
 * a batch, {@link #result} reads the value so far, {@link #reset} starts over (the trainer resets every epoch).
 *
 * <p>State lives in Java numbers, never in tensors: the trainer runs each step in a {@code MemoryScope} that frees
 * every array made during the step. A metric copies a batch's labels and predictions to the host once (a few
 * hundred numbers for the usual batch, cheaper than a chain of native ops) and counts there; it records no gradient.
 *
 * <p>Sample weights follow Keras: null (every sample counts once), one weight per sample ([B] or [B, 1]), or one
 * per prediction (the predictions' shape). Shapes: B batch, K classes.
 */
public abstract class Metric {

    private String name;

    protected Metric(String name) { this.name = checkedName(name); }

    /** The key the trainer logs this metric under: "accuracy", "auc", ... ("val_" is prefixed for validation). */
    public final String name() { return name; }

    /** Changes the logged name, as Keras's {@code name=} argument: {@code new AUC(Curve.PR).named("pr_auc")}. */
    public Metric named(String name) {
        this.name = checkedName(name);
        return this;
    }

    /** Adds a batch: labels, predictions and optional sample weights (null: every sample counts once). */
    public abstract void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight);

    public final void update(Tensor yTrue, Tensor yPred) { update(yTrue, yPred, null); }

    /** The value over every batch since the last reset; 0 before any batch. */
    public abstract double result();

    /** Forgets every batch. */
    public abstract void reset();

    /** The class name, e.g. "BinaryAccuracy", used in error messages. */
    protected String displayName() { return getClass().getSimpleName(); }

    @Override
    public String toString() { return name + ": " + result(); }

    private static String checkedName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("A metric needs a name. Received: name=" + name);
        return name;
    }
}
