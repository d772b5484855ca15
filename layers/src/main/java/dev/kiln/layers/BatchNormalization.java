package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.stream.IntStream;

/**
 * Normalizes each feature along {@code axis} with batch statistics in training and moving statistics in inference,
 * as Keras: {@code outputs = gamma · (inputs − mean) / √(variance + epsilon) + beta}.
 *
 * <p>In training (and only while the layer is trainable) mean and variance are the batch moments over every axis
 * but {@code axis} (population variance; with a mask [B, T] only unmasked steps count), and the moving statistics
 * follow {@code moving = moving · momentum + batch · (1 − momentum)}. In inference, or when frozen, the moving
 * statistics are used. Shapes: outputs = inputs; gamma, beta, moving_mean, moving_variance [C], C = inputs[axis].
 * Masks pass through.
 */
public final class BatchNormalization extends Layer {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int axis, double momentum, double epsilon, boolean center, boolean scale,
                         Initializer betaInitializer, Initializer gammaInitializer, Initializer movingMeanInitializer,
                         Initializer movingVarianceInitializer, Regularizer betaRegularizer, Regularizer gammaRegularizer,
                         Constraint betaConstraint, Constraint gammaConstraint) implements LayerConfig {
        public Config {
            if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("momentum must be in [0, 1]. Received: momentum=" + momentum);
            if (!(epsilon > 0)) throw new IllegalArgumentException("epsilon must be positive. Received: epsilon=" + epsilon);
        }

        /** Keras's defaults: axis -1, momentum 0.99, epsilon 1e-3, center and scale, beta 0, gamma 1, moving 0 and 1. */
        public Config() {
            this(-1, 0.99, 1e-3, true, true, Initializer.zeros(), Initializer.ones(), Initializer.zeros(), Initializer.ones(),
                    null, null, null, null);
        }

        public Config withAxis(int axis) {
            return new Config(axis, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer,
                    movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
        }

        public Config withMomentum(double momentum) {
            return new Config(axis, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer,
                    movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
        }

        public Config withEpsilon(double epsilon) {
            return new Config(axis, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer,
                    movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
        }

        public Config withCenterAndScale(boolean center, boolean scale) {
            return new Config(axis, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer,
                    movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
        }

        public Config withRegularizers(Regularizer betaRegularizer, Regularizer gammaRegularizer) {
            return new Config(axis, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer,
                    movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
        }
    }

    private final Config config;
    private Tensor gamma;           // [C]; null without scale
    private Tensor beta;            // [C]; null without center
    private Tensor movingMean;      // [C], non-trainable
    private Tensor movingVariance;  // [C], non-trainable

    public BatchNormalization() { this(new Config()); }

    public BatchNormalization(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (config.axis() >= inputShape.rank() || config.axis() < -inputShape.rank() || inputShape.axis(config.axis()) == 0) {
            throw inputError("normalizes axis " + config.axis() + " and expects input of rank >= 2 [batch, ..., features]", inputShape);
        }
        long features = inputShape.get(config.axis());
        if (features == Shape.UNKNOWN) throw inputError("expects a known size on axis " + config.axis(), inputShape);
        if (movingMean != null && features != movingMean.size(0)) {
            throw inputError("was built for " + movingMean.size(0) + " features on axis " + config.axis(), inputShape);
        }
    }

    @Override
    protected void build(Shape inputShape) {
        var shape = Shape.of(inputShape.get(config.axis()));
        gamma = config.scale() ? addWeight("gamma", shape, config.gammaInitializer(), config.gammaRegularizer(), config.gammaConstraint()) : null;
        beta = config.center() ? addWeight("beta", shape, config.betaInitializer(), config.betaRegularizer(), config.betaConstraint()) : null;
        movingMean = addNonTrainableWeight("moving_mean", shape, config.movingMeanInitializer());
        movingVariance = addNonTrainableWeight("moving_variance", shape, config.movingVarianceInitializer());
    }

    @Override
    protected Tensor call(Tensor inputs, Tensor mask, boolean training) {
        int axis = inputs.shape().axis(config.axis());
        long[] broadcast = inputs.shape().dims();                                   // [1, ..., C, ..., 1]
        for (int i = 0; i < broadcast.length; i++) if (i != axis) broadcast[i] = 1;
        Tensor mean = movingMean.reshape(broadcast);
        Tensor variance = movingVariance.reshape(broadcast);
        if (training && trainable()) {
            int[] reduced = IntStream.range(0, inputs.rank()).filter(i -> i != axis).toArray();
            Tensor weights = mask == null ? null : mask.cast(inputs.dtype()).reshape(maskShape(mask, inputs));
            mean = weights == null ? inputs.mean(true, reduced) : inputs.mul(weights).sum(true, reduced).div(weights.sum(true, reduced).add(1e-7));
            Tensor squares = inputs.sub(mean).square();
            variance = weights == null ? squares.mean(true, reduced) : squares.mul(weights).sum(true, reduced).div(weights.sum(true, reduced).add(1e-7));
            updateMovingStatistics(mean, variance);
        }
        Tensor y = inputs.sub(mean).mul(variance.add(config.epsilon()).pow(-0.5));
        if (gamma != null) y = y.mul(gamma.reshape(broadcast));
        if (beta != null) y = y.add(beta.reshape(broadcast));
        return y;
    }

    /** The mask [B, T] with size-1 axes appended up to the input's rank, so it broadcasts over features. */
    private static long[] maskShape(Tensor mask, Tensor inputs) {
        long[] dims = new long[inputs.rank()];
        long[] m = mask.shape().dims();
        for (int i = 0; i < dims.length; i++) dims[i] = i < m.length ? m[i] : 1;
        return dims;
    }

    private void updateMovingStatistics(Tensor mean, Tensor variance) {
        double momentum = config.momentum();
        try (var ignored = Tensor.noGrad()) {
            movingMean.assign(movingMean.mul(momentum).add(mean.reshape(movingMean.size(0)).mul(1 - momentum)));
            movingVariance.assign(movingVariance.mul(momentum).add(variance.reshape(movingVariance.size(0)).mul(1 - momentum)));
        }
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Config config() { return config; }
}
