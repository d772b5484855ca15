package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Kiln;
import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * One step of a long short-term memory (Hochreiter & Schmidhuber 1997), Keras's equations and weight layout:
 * {@code z = x·kernel + h·recurrent_kernel + bias}, split into the gates i, f, c, o (in that order);
 * {@code c' = σ(z_f)·c + σ(z_i)·tanh(z_c)}, {@code h' = σ(z_o)·tanh(c')}, with σ the recurrentActivation and tanh
 * the activation. The output is h'.
 *
 * <p>Shapes: x [B, C] → h' [B, U]; states h, c [B, U]; kernel [C, 4U], recurrent_kernel [U, 4U], bias [4U], whose
 * forget slice starts at 1 with {@code unitForgetBias}. {@code dropout} and {@code recurrentDropout} multiply x and h
 * by masks drawn once per sequence.
 *
 * <p>Whole sequences (inside {@link LSTM}) run in one kernel when the activations are Keras's defaults and no
 * recurrent dropout is active; otherwise the RNN steps through time. The kernel is chosen by measurement
 * (benchmarks/RecurrentBenchmarks: forward + backward over [32, 100, 64] with 64 units, float32, one thread, on the
 * project's shared 2-vCPU build machine under load, so ranges over runs): on the CPU the composed
 * {@link NN#lstmComposed} beat ND4J's fused lstmLayer in every configuration measured, 55-90 ms against 80-127 ms
 * when only the last state is used and 66-84 ms against 83-109 ms for the whole sequence, and only it takes masks
 * (74-115 ms with post padding) and goBackwards in Keras's order. Off the CPU (not measured: no GPU was at hand) an
 * unmasked forward sequence runs the fused {@link NN#lstm}, one native kernel instead of a few thousand small ones.
 */
public final class LSTMCell extends RNNCell {

    /** All constructor arguments. Saving writes this record; loading reads it back. */
    public record Config(int units, Activation activation, Activation recurrentActivation, boolean useBias,
                         Initializer kernelInitializer, Initializer recurrentInitializer, Initializer biasInitializer,
                         boolean unitForgetBias, Regularizer kernelRegularizer, Regularizer recurrentRegularizer,
                         Regularizer biasRegularizer, Constraint kernelConstraint, Constraint recurrentConstraint,
                         Constraint biasConstraint, double dropout, double recurrentDropout, Long seed) implements LayerConfig {
        public Config {
            if (units <= 0) throw new IllegalArgumentException("units must be positive. Received: units=" + units);
            if (activation == null) activation = Activation.LINEAR;
            if (recurrentActivation == null) recurrentActivation = Activation.LINEAR;
            RecurrentDropout.checkRate("dropout", dropout);
            RecurrentDropout.checkRate("recurrentDropout", recurrentDropout);
        }

        /** Keras's defaults: tanh, sigmoid, bias, glorot_uniform, orthogonal, zeros, unitForgetBias, no dropout. */
        public Config(int units) {
            this(units, Activation.TANH, Activation.SIGMOID, true, Initializer.glorotUniform(), Initializer.orthogonal(),
                    Initializer.zeros(), true, null, null, null, null, null, null, 0, 0, null);
        }

        public Config withActivations(Activation activation, Activation recurrentActivation) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withUseBias(boolean useBias) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withInitializers(Initializer kernelInitializer, Initializer recurrentInitializer, Initializer biasInitializer) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withUnitForgetBias(boolean unitForgetBias) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withRegularizers(Regularizer kernelRegularizer, Regularizer recurrentRegularizer, Regularizer biasRegularizer) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withConstraints(Constraint kernelConstraint, Constraint recurrentConstraint, Constraint biasConstraint) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withDropout(double dropout, double recurrentDropout) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }

        public Config withSeed(Long seed) {
            return new Config(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                    unitForgetBias, kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint,
                    biasConstraint, dropout, recurrentDropout, seed);
        }
    }

    private final Config config;
    private final RecurrentDropout dropout;
    private Tensor kernel;           // [C, 4U]
    private Tensor recurrentKernel;  // [U, 4U]
    private Tensor bias;             // [4U], or null without useBias

    public LSTMCell(int units) { this(new Config(units)); }

    public LSTMCell(Config config) {
        this.config = config;
        this.dropout = new RecurrentDropout(config.dropout(), config.recurrentDropout(), config.seed());
    }

    @Override
    protected void build(Shape inputShape) {
        int u = config.units();
        kernel = addWeight("kernel", Shape.of(inputShape.last(), 4 * u), config.kernelInitializer(), config.kernelRegularizer(),
                config.kernelConstraint());
        recurrentKernel = addWeight("recurrent_kernel", Shape.of(u, 4 * u), config.recurrentInitializer(), config.recurrentRegularizer(),
                config.recurrentConstraint());
        if (!config.useBias()) return;
        bias = addWeight("bias", Shape.of(4 * u), config.biasInitializer(), config.biasRegularizer(), config.biasConstraint());
        if (config.unitForgetBias()) {
            try (var ignored = Tensor.noGrad()) {
                bias.assign(Tensor.concat(0, bias.slice(0, 0, u), Tensor.ones(Shape.of(u), dtype()), bias.slice(0, 2 * u, 4 * u)));
            }
        }
    }

    @Override
    public List<Integer> stateSizes() { return List.of(config.units(), config.units()); }

    @Override
    public Step step(Tensor input, List<Tensor> states, boolean training) {
        int u = config.units();
        var z = dropout.input(input).matmul(kernel).add(dropout.recurrent(states.get(0)).matmul(recurrentKernel));   // [B, 4U]
        if (bias != null) z = z.add(bias);
        var gate = config.recurrentActivation();
        var c = gate.apply(z.slice(1, u, 2 * u)).mul(states.get(1))
                .add(gate.apply(z.slice(1, 0, u)).mul(config.activation().apply(z.slice(1, 2 * u, 3 * u))));   // [B, U]
        var h = gate.apply(z.slice(1, 3 * u, 4 * u)).mul(config.activation().apply(c));
        return new Step(h, List.of(h, c));
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
        Tensor x = dropout.inputSequence(inputs);
        NN.LstmOutputs out = useFusedKernel(mask, goBackwards)
                ? NN.lstm(x, kernel, recurrentKernel, bias, initialStates.get(0), initialStates.get(1), false)
                : NN.lstmComposed(x, kernel, recurrentKernel, bias, initialStates.get(0), initialStates.get(1), mask, goBackwards,
                        returnSequences);
        return new Sequence(returnSequences ? out.sequence() : null, out.lastHidden(), List.of(out.lastHidden(), out.lastCell()));
    }

    /** The fused kernel takes no mask and returns a backward sequence in time order; on the CPU it is the slower one. */
    private static boolean useFusedKernel(Tensor mask, boolean goBackwards) {
        return mask == null && !goBackwards && !"CPU".equals(Kiln.backend());
    }

    @Override
    public Config config() { return config; }
}
