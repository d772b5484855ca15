package dev.kiln.metrics;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.losses.BinaryCrossentropy;
import dev.kiln.losses.CategoricalCrossentropy;
import dev.kiln.losses.Loss;
import dev.kiln.losses.SparseCategoricalCrossentropy;

/**
 * "accuracy" as Keras's {@code compile} understands the string: binary, categorical or sparse categorical accuracy,
 * chosen at the first batch. (Keras's class {@code keras.metrics.Accuracy}, an exact-equality rate, is a different
 * metric; {@link BinaryAccuracy} with labels and predictions of 0/1 gives the same numbers.)
 *
 * <p>The choice: the loss decides when it says (binary cross-entropy → binary, categorical → categorical, sparse
 * categorical → sparse), as Keras 2 did; otherwise the shapes decide, as Keras 3 does: predictions with one column
 * (or rank 1) → binary; labels of lower rank than the predictions, or one label column against several prediction
 * columns → sparse; otherwise categorical.
 */
public final class Accuracy extends Metric {

    /** Which accuracy the first batch chose. */
    public enum Kind { BINARY, CATEGORICAL, SPARSE_CATEGORICAL }

    private final Loss loss;
    private MeanMetricWrapper chosen;

    /** Chooses from the shapes of the first batch. */
    public Accuracy() { this(null); }

    /** Chooses from the compiled loss where it decides, else from the shapes; {@code loss} may be null. */
    public Accuracy(Loss loss) {
        super("accuracy");
        this.loss = loss;
    }

    /** The rule above, for labels and predictions of these shapes. */
    public static Kind choose(Loss loss, Shape yTrue, Shape yPred) {
        if (loss instanceof BinaryCrossentropy) return Kind.BINARY;
        if (loss instanceof CategoricalCrossentropy) return Kind.CATEGORICAL;
        if (loss instanceof SparseCategoricalCrossentropy) return Kind.SPARSE_CATEGORICAL;
        if (yPred.rank() <= 1 || yPred.last() == 1) return Kind.BINARY;
        if (yTrue.rank() < yPred.rank() || yTrue.last() == 1) return Kind.SPARSE_CATEGORICAL;
        return Kind.CATEGORICAL;
    }

    /** The kind chosen at the first batch; null before it. */
    public Kind kind() {
        if (chosen == null) return null;
        return chosen instanceof BinaryAccuracy ? Kind.BINARY : chosen instanceof CategoricalAccuracy ? Kind.CATEGORICAL
                : Kind.SPARSE_CATEGORICAL;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        if (chosen == null) {
            Kind kind = choose(loss, yTrue.shape(), yPred.shape());
            chosen = kind == Kind.BINARY ? new BinaryAccuracy() : kind == Kind.CATEGORICAL ? new CategoricalAccuracy()
                    : new SparseCategoricalAccuracy();
        }
        chosen.update(yTrue, yPred, sampleWeight);
    }

    @Override
    public double result() { return chosen == null ? 0 : chosen.result(); }

    @Override
    public void reset() {
        if (chosen != null) chosen.reset();
    }
}
