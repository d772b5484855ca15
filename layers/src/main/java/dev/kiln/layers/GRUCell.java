package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * One step of a gated recurrent unit (Cho et al. 2014), Keras's equations, weight layout and gate order z, r, h:
 * <pre>
 *   x̃ = x·kernel + b_in                       split into x̃_z, x̃_r, x̃_h
 *   z = σ(x̃_z + h·R_z + b'_z),  r = σ(x̃_r + h·R_r + b'_r)
 *   resetAfter:  ĥ = tanh(x̃_h + r·(h·R_h + b'_h))        otherwise: ĥ = tanh(x̃_h + (r·h)·R_h)
 *   h' = z·h + (1 − z)·ĥ
 * </pre>
 * with R = recurrent_kernel, σ the recurrentActivation and tanh the activation. Shapes: x [B, C] → h' [B, U];
 * kernel [C, 3U], recurrent_kernel [U, 3U]; bias [2, 3U] with resetAfter (row 0 b_in, row 1 b'), else [3U] (b_in only).
 * Whole sequences (inside {@link GRU}) run in the composed kernel {@link NN#gru} (ND4J's gru_bp is wrong) when the
 * activations are Keras's defaults and no recurrent dropout is active; otherwise the RNN steps through time. Measured
 * as for {@link LSTMCell}: 54-78 ms forward + backward over [32, 100, 64] with 64 units (resetAfter), 73-89 ms without
 * resetAfter (a second GEMM per step).
 */
public final class GRUCell extends RNNCell {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int units, Activation activation, Activation recurrentActivation, boolean useBias,
                         Initializer kernelInitializer, Initializer recurrentInitializer, Initializer biasInitializer,
                         Regularizer kernelRegularizer, Regularizer recurrentRegularizer, Regularizer biasRegularizer,
                         Constraint kernelConstraint, Constraint recurrentConstraint, Constraint biasConstraint,
                         double dropout, double recurrentDropout, Long seed, boolean resetAfter) implements LayerConfig {
        public Config {
            if (units <= 0) throw new IllegalArgumentException("units must be positive. Received: units=" + units);
            if (activation == null) activation = Activation.LINEAR;
            if (recurrentActivation == null) recurrentActivation = Activation.LINEAR;
            RecurrentDropout.checkRate("dropout", dropout);
            RecurrentDropout.checkRate("recurrentDropout", recurrentDropout);
        }

        /** Keras's defaults: tanh, sigmoid, bias, glorot_uniform, orthogonal, zeros, no dropout, resetAfter. */
        public Config(int units) {
            this(units, Activation.TANH, Activation.SIGMOID, true, Initializer.glorotUniform(), Initializer.orthogonal(),
                    Initializer.zeros(), null, null, null, null, null, null, 0, 0, null, true);
        }

        public Config withActivations(Activation activation, Activation recurrentActivation) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withUseBias(boolean useBias) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer recurrentInitializer, Initializer biasInitializer) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withRegularizers(Regularizer kernelRegularizer, Regularizer recurrentRegularizer, Regularizer biasRegularizer) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withConstraints(Constraint kernelConstraint, Constraint recurrentConstraint, Constraint biasConstraint) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withDropout(double dropout, double recurrentDropout) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withSeed(Long seed) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }

        public Config withResetAfter(boolean resetAfter) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                    dropout, recurrentDropout, seed, resetAfter);
        }
    }

    private final Config config;
    private final RecurrentDropout dropout;
    private Tensor kernel;           // [C, 3U]
    private Tensor recurrentKernel;  // [U, 3U]
    private Tensor bias;             // [2, 3U] with resetAfter, else [3U]; null without useBias

    public GRUCell(int units) { this(new Config(units)); }

    public GRUCell(Config config) {
        this.config = config;
        this.dropout = new RecurrentDropout(config.dropout(), config.recurrentDropout(), config.seed());
    }

    @Override
    protected void build(Shape inputShape) {
        int u = config.units();
        kernel = addWeight("kernel", Shape.of(inputShape.last(), 3 * u), config.kernelInitializer(), config.kernelRegularizer(),
                config.kernelConstraint());
        recurrentKernel = addWeight("recurrent_kernel", Shape.of(u, 3 * u), config.recurrentInitializer(), config.recurrentRegularizer(),
                config.recurrentConstraint());
        bias = config.useBias() ? addWeight("bias", config.resetAfter() ? Shape.of(2, 3 * u) : Shape.of(3 * u), config.biasInitializer(),
                config.biasRegularizer(), config.biasConstraint()) : null;
    }

    @Override
    public List<Integer> stateSizes() { return List.of(config.units()); }

    @Override
    public Step step(Tensor input, List<Tensor> states, boolean training) {
        int u = config.units();
        boolean after = config.resetAfter();
        Tensor h = states.get(0);
        Tensor hDropped = dropout.recurrent(h);
        var projected = dropout.input(input).matmul(kernel);                                        // [B, 3U]
        if (bias != null) projected = projected.add(after ? bias.slice(0, 0, 1) : bias);
        var inner = hDropped.matmul(after ? recurrentKernel : recurrentKernel.slice(1, 0, 2 * u));   // [B, 3U] or [B, 2U]
        if (bias != null && after) inner = inner.add(bias.slice(0, 1, 2));
        var gate = config.recurrentActivation();
        var z = gate.apply(projected.slice(1, 0, u).add(inner.slice(1, 0, u)));
        var r = gate.apply(projected.slice(1, u, 2 * u).add(inner.slice(1, u, 2 * u)));
        var reset = after ? r.mul(inner.slice(1, 2 * u, 3 * u)) : r.mul(hDropped).matmul(recurrentKernel.slice(1, 2 * u, 3 * u));
        var candidate = config.activation().apply(projected.slice(1, 2 * u, 3 * u).add(reset));
        var next = z.mul(h).add(z.rsub(1.0).mul(candidate));                                       // [B, U]
        return new Step(next, List.of(next));
    }

    @Override
    protected void startSequence(Shape stepInputShape, boolean training) {
        dropout.start(stepInputShape, config.units(), dtype(), training);
    }

    @Override
    protected void endSequence() { dropout.end(); }

    @Override
    protected Sequence sequence(Tensor inputs, Tensor mask, List<Tensor> initialStates, boolean goBackwards, boolean returnSequences,
                                boolean training) {
        if (config.activation() != Activation.TANH || config.recurrentActivation() != Activation.SIGMOID || dropout.dropsRecurrentState()) {
            return null;
        }
        var out = NN.gru(dropout.inputSequence(inputs), kernel, recurrentKernel, bias, initialStates.get(0), mask, goBackwards,
                returnSequences, config.resetAfter());
        return new Sequence(out.sequence(), out.lastHidden(), List.of(out.lastHidden()));
    }

    @Override
    public Config config() { return config; }
}
