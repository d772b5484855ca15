package dev.kiln.losses;

import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Arrays;

/**
 * Cross-entropy between integer class indices and a distribution over K classes, as Keras's
 * {@code SparseCategoricalCrossentropy}: −log softmax(x)[y] from logits x.
 *
 * <p>From probabilities p: clipped to [1e-7, 1 − 1e-7] and taken as logits log p, as Keras's TensorFlow backend
 * does, so the loss is −log(p_y / Σ p), which is −log p_y for probabilities that sum to 1.
 *
 * <p>Shapes: yPred [B, K] (or [B, T, K]); yTrue [B] or [B, 1] (or [B, T]), integer or float class indices in
 * [0, K); per-sample loss [B] (or [B, T]).
 */
public final class SparseCategoricalCrossentropy extends Loss {

    private static final double EPSILON = 1e-7;

    /** All constructor arguments; Keras's default is fromLogits false. */
    public record Config(boolean fromLogits, Reduction reduction, String name) implements LossConfig {
        public Config {
            LossConfig.validate(name, reduction);
        }

        @Override
        public Config withReduction(Reduction reduction) { return new Config(fromLogits, reduction, name); }

        @Override
        public SparseCategoricalCrossentropy create() { return new SparseCategoricalCrossentropy(this); }
    }

    private final Config config;

    public SparseCategoricalCrossentropy() { this(false); }

    public SparseCategoricalCrossentropy(boolean fromLogits) {
        this(new Config(fromLogits, Reduction.SUM_OVER_BATCH_SIZE, "sparse_categorical_crossentropy"));
    }

    public SparseCategoricalCrossentropy(Config config) { this.config = config; }

    @Override
    protected Tensor call(Tensor yTrue, Tensor yPred) {
        Shape ps = yPred.shape();
        if (ps.rank() < 2) {
            throw new IllegalArgumentException(displayName() + " expects predictions [batch, classes] with one value per class. Received "
                    + ps);
        }
        long classes = ps.last();
        long[] outer = Arrays.copyOf(ps.dims(), ps.rank() - 1);   // [B] or [B, T]
        Shape ts = yTrue.shape();
        if (!ts.equals(Shape.of(outer)) && !ts.equals(Shape.of(outer).append(1))) {
            throw new IllegalArgumentException(displayName() + " expects one class index per sample: labels of shape " + Shape.of(outer)
                    + " or " + Shape.of(outer).append(1) + " for predictions " + ps + ". Received labels " + ts
                    + "; for one-hot labels use CategoricalCrossentropy");
        }
        checkClassIndices(yTrue, classes, ps);
        long n = ts.size();
        Tensor logits = config.fromLogits() ? yPred : yPred.clip(EPSILON, 1 - EPSILON).log();
        Tensor losses = NN.sparseSoftmaxCrossEntropyWithLogits(ps.rank() == 2 ? logits : logits.reshape(n, classes), yTrue.reshape(n));
        return ps.rank() == 2 ? losses : losses.reshape(outer);
    }

    /** Labels must be whole numbers in [0, classes): one host pass over the B (or B·T) labels. */
    private void checkClassIndices(Tensor labels, long classes, Shape predictions) {
        for (double v : labels.toDoubleArray()) {
            if (v != Math.rint(v)) {
                throw new IllegalArgumentException(displayName() + " expects integer class indices. Received a label " + v);
            }
            if (v < 0 || v >= classes) {
                throw new IllegalArgumentException(displayName() + " expects class indices in [0, " + classes + ") for predictions "
                        + predictions + ". Received a label " + (long) v);
            }
        }
    }

    @Override
    public Config config() { return config; }
}
