package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * Densely connected layer: {@code outputs = activation(inputs · kernel + bias)}, applied on the last axis.
 *
 * <p>Shapes: inputs [B, ..., inputDim] → outputs [B, ..., units]; kernel [inputDim, units]; bias [units].
 * Masks pass through unchanged.
 */
public final class Dense extends Layer {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int units, Activation activation, boolean useBias, Initializer kernelInitializer,
                         Initializer biasInitializer, Regularizer kernelRegularizer, Regularizer biasRegularizer,
                         Regularizer activityRegularizer, Constraint kernelConstraint, Constraint biasConstraint)
            implements LayerConfig {
        public Config {
            if (units <= 0) throw new IllegalArgumentException("units must be positive. Received: units=" + units);
            if (activation == null) activation = Activation.LINEAR;
        }

        /** Keras's defaults: linear, with bias, glorot_uniform kernel, zero bias, no regularizers or constraints. */
        public Config(int units, Activation activation) {
            this(units, activation, true, Initializer.glorotUniform(), Initializer.zeros(), null, null, null, null, null);
        }

        public Config withUseBias(boolean useBias) {
            return new Config(units, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer,
                    activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer biasInitializer) {
            return new Config(units, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer,
                    activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withRegularizers(Regularizer kernelRegularizer, Regularizer biasRegularizer, Regularizer activityRegularizer) {
            return new Config(units, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer,
                    activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withConstraints(Constraint kernelConstraint, Constraint biasConstraint) {
            return new Config(units, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer,
                    activityRegularizer, kernelConstraint, biasConstraint);
        }
    }

    private final Config config;
    private Tensor kernel;  // [inputDim, units], created by build()
    private Tensor bias;    // [units], created by build(); null when useBias is false

    public Dense(int units) { this(units, Activation.LINEAR); }

    public Dense(int units, Activation activation) { this(new Config(units, activation)); }

    public Dense(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 2) throw inputError("expects input of rank >= 2 [batch, ..., features]", inputShape);
        if (inputShape.last() == Shape.UNKNOWN) throw inputError("expects a known last (feature) dimension", inputShape);
        if (kernel != null && inputShape.last() != kernel.size(0)) {
            throw inputError("was built for " + kernel.size(0) + " input features [..., " + kernel.size(0) + "]", inputShape);
        }
    }

    @Override
    protected void build(Shape inputShape) {
        kernel = addWeight("kernel", Shape.of(inputShape.last(), config.units()), config.kernelInitializer(),
                config.kernelRegularizer(), config.kernelConstraint());
        bias = config.useBias() ? addWeight("bias", Shape.of(config.units()), config.biasInitializer(),
                config.biasRegularizer(), config.biasConstraint()) : null;
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        // [B, ..., inputDim] · [inputDim, units] + [units] → [B, ..., units]
        return config.activation().applyToOwn(NN.dense(inputs, kernel, bias));
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape.withLast(config.units()); }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
