package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * One step of a fully connected recurrent network (Keras's SimpleRNNCell):
 * {@code h' = activation(x·kernel + bias + h·recurrent_kernel)}; the output is h'.
 *
 * <p>Shapes: x [B, C] → h' [B, U]; state h [B, U]; kernel [C, U], recurrent_kernel [U, U], bias [U].
 * {@code dropout} and {@code recurrentDropout} multiply x and h by masks drawn once per sequence.
 */
public final class SimpleRNNCell extends RNNCell {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int units, Activation activation, boolean useBias, Initializer kernelInitializer,
                         Initializer recurrentInitializer, Initializer biasInitializer, Regularizer kernelRegularizer,
                         Regularizer recurrentRegularizer, Regularizer biasRegularizer, Constraint kernelConstraint,
                         Constraint recurrentConstraint, Constraint biasConstraint, double dropout, double recurrentDropout,
                         Long seed) implements LayerConfig {
        public Config {
            if (units <= 0) throw new IllegalArgumentException("units must be positive. Received: units=" + units);
            if (activation == null) activation = Activation.LINEAR;
            RecurrentDropout.checkRate("dropout", dropout);
            RecurrentDropout.checkRate("recurrentDropout", recurrentDropout);
        }

        /** Keras's defaults: tanh, bias, glorot_uniform, orthogonal, zeros, no dropout. */
        public Config(int units) {
            this(units, Activation.TANH, true, Initializer.glorotUniform(), Initializer.orthogonal(), Initializer.zeros(),
                    null, null, null, null, null, null, 0, 0, null);
        }

        public Config withActivation(Activation activation) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }

        public Config withUseBias(boolean useBias) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer recurrentInitializer, Initializer biasInitializer) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }

        public Config withRegularizers(Regularizer kernelRegularizer, Regularizer recurrentRegularizer, Regularizer biasRegularizer) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }

        public Config withConstraints(Constraint kernelConstraint, Constraint recurrentConstraint, Constraint biasConstraint) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }

        public Config withDropout(double dropout, double recurrentDropout) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }

        public Config withSeed(Long seed) {
            return new Config(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
                    recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout,
                    recurrentDropout, seed);
        }
    }

    private final Config config;
    private final RecurrentDropout dropout;
    private Tensor kernel;           // [C, U]
    private Tensor recurrentKernel;  // [U, U]
    private Tensor bias;             // [U], or null without useBias

    public SimpleRNNCell(int units) { this(new Config(units)); }

    public SimpleRNNCell(Config config) {
        this.config = config;
        this.dropout = new RecurrentDropout(config.dropout(), config.recurrentDropout(), config.seed());
    }

    @Override
    protected void build(Shape inputShape) {
        int u = config.units();
        kernel = addWeight("kernel", Shape.of(inputShape.last(), u), config.kernelInitializer(), config.kernelRegularizer(),
                config.kernelConstraint());
        recurrentKernel = addWeight("recurrent_kernel", Shape.of(u, u), config.recurrentInitializer(), config.recurrentRegularizer(),
                config.recurrentConstraint());
        bias = config.useBias() ? addWeight("bias", Shape.of(u), config.biasInitializer(), config.biasRegularizer(), config.biasConstraint())
                : null;
    }

    @Override
    public List<Integer> stateSizes() { return List.of(config.units()); }

    @Override
    public Step step(Tensor input, List<Tensor> states, boolean training) {
        var h = dropout.input(input).matmul(kernel);                                    // [B, U]
        if (bias != null) h = h.add(bias);
        h = config.activation().apply(h.add(dropout.recurrent(states.get(0)).matmul(recurrentKernel)));
        return new Step(h, List.of(h));
    }

    @Override
    protected void startSequence(Shape stepInputShape, boolean training) {
        dropout.start(stepInputShape, config.units(), dtype(), training);
    }

    @Override
    protected void endSequence() { dropout.end(); }

    @Override
    public Config config() { return config; }
}
