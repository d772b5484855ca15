package dev.kiln.layers;

import java.util.function.UnaryOperator;

/**
 * Long short-term memory layer (Hochreiter & Schmidhuber 1997): an {@link RNN} of one {@link LSTMCell}, with Keras's
 * arguments, defaults and weights ({@code lstm/lstm_cell/kernel} [C, 4U], {@code recurrent_kernel} [U, 4U],
 * {@code bias} [4U]; gates i, f, c, o).
 *
 * <p>Shapes: [B, T, C] → [B, U], or [B, T, U] with returnSequences; returnState adds the last h and c [B, U]. Masks,
 * directions, initial and carried states: see {@link RNN}. Speed: whole sequences run in one kernel (see
 * {@link LSTMCell}).
 *
 * <pre>{@code
 * new LSTM(64)                                                     // the last output, [B, 64]
 * new LSTM(64, true)                                               // every step's output, [B, T, 64]
 * new LSTM(new LSTM.Config(64).withReturnState(true).withCell(c -> c.withDropout(0.2, 0.2)))
 * }</pre>
 */
public final class LSTM extends RNN {

    /** The cell's configuration, the sequence options and the activity regularizer. Saving writes this record. */
    public record Config(LSTMCell.Config cell, RNN.Options options, Regularizer activityRegularizer) implements LayerConfig {
        public Config {
            if (cell == null) throw new IllegalArgumentException("LSTM needs a cell configuration. Received: null");
            if (options == null) options = RNN.Options.DEFAULTS;
        }

        /** Keras's defaults for {@code units} (see {@link LSTMCell.Config#Config(int)}), returning the last output. */
        public Config(int units) { this(new LSTMCell.Config(units), RNN.Options.DEFAULTS, null); }

        /** Changes the cell's options: {@code config.withCell(c -> c.withDropout(0.2, 0.2))}. */
        public Config withCell(UnaryOperator<LSTMCell.Config> change) {
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

    public LSTM(int units) { this(new Config(units)); }

    /** {@code new LSTM(64, true)} returns every step's output, for stacking recurrent layers. */
    public LSTM(int units, boolean returnSequences) { this(new Config(units).withReturnSequences(returnSequences)); }

    public LSTM(Config config) {
        super(new LSTMCell(config.cell()).named("lstm_cell"), config.options());
        this.config = config;
    }

    @Override
    public LSTMCell cell() { return (LSTMCell) super.cell(); }

    @Override
    protected LSTM withOptions(RNN.Options options) { return new LSTM(config.withOptions(options)); }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
