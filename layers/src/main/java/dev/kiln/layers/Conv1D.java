package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Padding;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * 1D convolution over time, channels last: {@code outputs[b, t, f] = activation(bias[f] + Σ_{k, c}
 * inputs[b, t·strides + k·dilationRate − pad, c] · kernel[k, c, f])}.
 *
 * <p>Shapes: inputs [B, T, C] → outputs [B, T', F]; kernel [kernelSize, C, F]; bias [F]. With padding "valid"
 * T' = ⌊(T − E) / strides⌋ + 1 for the dilated extent E = (kernelSize − 1)·dilationRate + 1; with "same" and
 * "causal" (left padding only, for autoregressive models) T' = ⌈T / strides⌉. Masks are dropped, as Keras does.
 */
public final class Conv1D extends Layer {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int filters, int kernelSize, int strides, Padding padding, int dilationRate, Activation activation,
                         boolean useBias, Initializer kernelInitializer, Initializer biasInitializer,
                         Regularizer kernelRegularizer, Regularizer biasRegularizer, Regularizer activityRegularizer,
                         Constraint kernelConstraint, Constraint biasConstraint) implements LayerConfig {
        public Config {
            if (filters <= 0) throw new IllegalArgumentException("filters must be positive. Received: filters=" + filters);
            if (kernelSize <= 0) throw new IllegalArgumentException("kernelSize must be positive. Received: kernelSize=" + kernelSize);
            if (strides <= 0) throw new IllegalArgumentException("strides must be positive. Received: strides=" + strides);
            if (dilationRate <= 0) throw new IllegalArgumentException("dilationRate must be positive. Received: dilationRate=" + dilationRate);
            if (strides > 1 && dilationRate > 1) {
                throw new IllegalArgumentException("strides > 1 is not supported together with dilationRate > 1. Received: strides="
                        + strides + ", dilationRate=" + dilationRate);
            }
            if (padding == null) padding = Padding.VALID;
            if (activation == null) activation = Activation.LINEAR;
        }

        /** Keras's defaults: strides 1, padding valid, dilation 1, bias, glorot_uniform kernel, zero bias. */
        public Config(int filters, int kernelSize, Activation activation) {
            this(filters, kernelSize, 1, Padding.VALID, 1, activation, true, Initializer.glorotUniform(), Initializer.zeros(),
                    null, null, null, null, null);
        }

        public Config withStrides(int strides) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withPadding(Padding padding) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withDilationRate(int dilationRate) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withUseBias(boolean useBias) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer biasInitializer) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withRegularizers(Regularizer kernelRegularizer, Regularizer biasRegularizer, Regularizer activityRegularizer) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        public Config withConstraints(Constraint kernelConstraint, Constraint biasConstraint) {
            return new Config(filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer,
                    biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint);
        }

        /** The span of input steps one output sees: (kernelSize − 1)·dilationRate + 1. */
        public int dilatedExtent() { return (kernelSize - 1) * dilationRate + 1; }
    }

    private final Config config;
    private Tensor kernel;  // [kernelSize, C, F], created by build()
    private Tensor bias;    // [F]; null when useBias is false

    public Conv1D(int filters, int kernelSize) { this(filters, kernelSize, Activation.LINEAR); }

    public Conv1D(int filters, int kernelSize, Activation activation) { this(new Config(filters, kernelSize, activation)); }

    public Conv1D(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 3) throw inputError("expects input of rank 3 [batch, steps, channels]", inputShape);
        if (inputShape.get(2) == Shape.UNKNOWN) throw inputError("expects a known channel dimension [batch, steps, channels]", inputShape);
        if (kernel != null && inputShape.get(2) != kernel.size(1)) {
            throw inputError("was built for " + kernel.size(1) + " channels [batch, steps, " + kernel.size(1) + "]", inputShape);
        }
        long steps = inputShape.get(1);
        if (config.padding() == Padding.VALID && steps != Shape.UNKNOWN && steps < config.dilatedExtent()) {
            throw inputError("has kernelSize=" + config.kernelSize() + " (dilated extent " + config.dilatedExtent()
                    + "), more than the input's " + steps + " steps with padding 'valid'", inputShape);
        }
    }

    @Override
    protected void build(Shape inputShape) {
        kernel = addWeight("kernel", Shape.of(config.kernelSize(), inputShape.get(2), config.filters()), config.kernelInitializer(),
                config.kernelRegularizer(), config.kernelConstraint());
        bias = config.useBias() ? addWeight("bias", Shape.of(config.filters()), config.biasInitializer(),
                config.biasRegularizer(), config.biasConstraint()) : null;
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        boolean relu = config.activation() == Activation.RELU;                // fused into the convolution's output
        var x = NN.conv1d(inputs, kernel, bias, config.strides(), config.padding(), config.dilationRate(), relu);  // [B, T', F]
        return relu ? x : config.activation().apply(x);
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        long steps = config.padding().outputLength(inputShape.get(1), config.dilatedExtent(), config.strides());
        return Shape.of(inputShape.get(0), steps, config.filters());
    }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
