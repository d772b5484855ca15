package dev.kiln.layers;

import java.util.function.UnaryOperator;

/**
 * Fully connected recurrent layer: an {@link RNN} of one {@link SimpleRNNCell}, with Keras's arguments, defaults and
 * weights ({@code simple_rnn/simple_rnn_cell/kernel} [C, U], {@code recurrent_kernel} [U, U], {@code bias} [U]).
 *
 * <p>Shapes: [B, T, C] → [B, U], or [B, T, U] with returnSequences; returnState adds the last h [B, U]. Masks,
 * directions, initial and carried states: see {@link RNN}. It steps through time with Tensor ops.
 */
public final class SimpleRNN extends RNN {

    /** The cell's configuration, the sequence options and the activity regularizer. Saving writes this record. */
    public record Config(SimpleRNNCell.Config cell, RNN.Options options, Regularizer activityRegularizer) implements LayerConfig {
        public Config {
            if (cell == null) throw new IllegalArgumentException("SimpleRNN needs a cell configuration. Received: null");
            if (options == null) options = RNN.Options.DEFAULTS;
        }

        /** Keras's defaults for {@code units} (see {@link SimpleRNNCell.Config#Config(int)}), returning the last output. */
        public Config(int units) { this(new SimpleRNNCell.Config(units), RNN.Options.DEFAULTS, null); }

        /** Changes the cell's options: {@code config.withCell(c -> c.withDropout(0.2, 0.2))}. */
        public Config withCell(UnaryOperator<SimpleRNNCell.Config> change) {
            return new Config(change.apply(cell), options, activityRegularizer);
        }

        public Config withOptions(RNN.Options options) { return new Config(cell, options, activityRegularizer); }

        public Config withReturnSequences(boolean returnSequences) { return withOptions(options.withReturnSequences(returnSequences)); }

        public Config withReturnState(boolean returnState) { return withOptions(options.withReturnState(returnState)); }

        public Config withGoBackwards(boolean goBackwards) { return withOptions(options.withGoBackwards(goBackwards)); }

        public Config withStateful(boolean stateful) { return withOptions(options.withStateful(stateful)); }

        public Config withActivityRegularizer(Regularizer activityRegularizer) { return new Config(cell, options, activityRegularizer); }
    }

    private final Config config;

    public SimpleRNN(int units) { this(new Config(units)); }

    /** {@code new SimpleRNN(64, true)} returns every step's output, for stacking recurrent layers. */
    public SimpleRNN(int units, boolean returnSequences) { this(new Config(units).withReturnSequences(returnSequences)); }

    public SimpleRNN(Config config) {
        super(new SimpleRNNCell(config.cell()).named("simple_rnn_cell"), config.options());
        this.config = config;
    }

    @Override
    public SimpleRNNCell cell() { return (SimpleRNNCell) super.cell(); }

    @Override
    protected SimpleRNN withOptions(RNN.Options options) { return new SimpleRNN(config.withOptions(options)); }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
