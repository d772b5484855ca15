package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * Normalizes each sample over its last axis, as Keras:
 * {@code outputs = gamma · (inputs − mean) / √(variance + epsilon) + beta}, with the mean and population variance
 * of each [..., C] row. Shapes: outputs = inputs; gamma, beta [C]. Masks pass through.
 */
public final class LayerNormalization extends Layer {

    /** All constructor arguments. Only axis -1 (the features) is supported. */
    public record Config(int axis, double epsilon, boolean center, boolean scale, Initializer betaInitializer,
                         Initializer gammaInitializer, Regularizer betaRegularizer, Regularizer gammaRegularizer,
                         Constraint betaConstraint, Constraint gammaConstraint) implements LayerConfig {
        public Config {
            if (axis != -1) throw new IllegalArgumentException("LayerNormalization supports axis -1 only. Received: axis=" + axis);
            if (!(epsilon > 0)) throw new IllegalArgumentException("epsilon must be positive. Received: epsilon=" + epsilon);
        }

        /** Keras's defaults: axis -1, epsilon 1e-3, center and scale, beta 0, gamma 1. */
        public Config() {
            this(-1, 1e-3, true, true, Initializer.zeros(), Initializer.ones(), null, null, null, null);
        }

        public Config withEpsilon(double epsilon) {
            return new Config(axis, epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer,
                    betaConstraint, gammaConstraint);
        }

        public Config withCenterAndScale(boolean center, boolean scale) {
            return new Config(axis, epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer,
                    betaConstraint, gammaConstraint);
        }

        public Config withRegularizers(Regularizer betaRegularizer, Regularizer gammaRegularizer) {
            return new Config(axis, epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer,
                    betaConstraint, gammaConstraint);
        }
    }

    private final Config config;
    private Tensor gamma;  // [C]; null without scale
    private Tensor beta;   // [C]; null without center

    public LayerNormalization() { this(new Config()); }

    public LayerNormalization(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 2) throw inputError("expects input of rank >= 2 [batch, ..., features]", inputShape);
        if (inputShape.last() == Shape.UNKNOWN) throw inputError("expects a known last (feature) dimension", inputShape);
        Tensor built = gamma != null ? gamma : beta;
        if (built != null && inputShape.last() != built.size(0)) {
            throw inputError("was built for " + built.size(0) + " features [..., " + built.size(0) + "]", inputShape);
        }
    }

    @Override
    protected void build(Shape inputShape) {
        var shape = Shape.of(inputShape.last());
        gamma = config.scale() ? addWeight("gamma", shape, config.gammaInitializer(), config.gammaRegularizer(), config.gammaConstraint()) : null;
        beta = config.center() ? addWeight("beta", shape, config.betaInitializer(), config.betaRegularizer(), config.betaConstraint()) : null;
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        return NN.layerNormalization(inputs, gamma, beta, config.epsilon());
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Config config() { return config; }
}
