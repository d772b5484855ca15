package dev.kiln.layers;

import java.util.function.UnaryOperator;

/**
 * Gated recurrent unit layer (Cho et al. 2014): an {@link RNN} of one {@link GRUCell}, with Keras's arguments, defaults
 * and weights ({@code gru/gru_cell/kernel} [C, 3U], {@code recurrent_kernel} [U, 3U], {@code bias} [2, 3U] with the
 * default resetAfter, [3U] without; gates z, r, h).
 *
 * <p>Shapes: [B, T, C] → [B, U], or [B, T, U] with returnSequences; returnState adds the last h [B, U]. Masks,
 * directions, initial and carried states: see {@link RNN}. Whole sequences run in the composed kernel (see
 * {@link GRUCell}).
 */
public final class GRU extends RNN {

    /** The cell's configuration, the sequence options and the activity regularizer. Saving writes this record. */
    public record Config(GRUCell.Config cell, RNN.Options options, Regularizer activityRegularizer) implements LayerConfig {
        public Config {
            if (cell == null) throw new IllegalArgumentException("GRU needs a cell configuration. Received: null");
            if (options == null) options = RNN.Options.DEFAULTS;
        }

        /** Keras's defaults for {@code units} (see {@link GRUCell.Config#Config(int)}), returning the last output. */
        public Config(int units) { this(new GRUCell.Config(units), RNN.Options.DEFAULTS, null); }

        /** Changes the cell's options: {@code config.withCell(c -> c.withDropout(0.2, 0.2))}. */
        public Config withCell(UnaryOperator<GRUCell.Config> change) {
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

    public GRU(int units) { this(new Config(units)); }

    /** {@code new GRU(64, true)} returns every step's output, for stacking recurrent layers. */
    public GRU(int units, boolean returnSequences) { this(new Config(units).withReturnSequences(returnSequences)); }

    public GRU(Config config) {
        super(new GRUCell(config.cell()).named("gru_cell"), config.options());
        this.config = config;
    }

    @Override
    public GRUCell cell() { return (GRUCell) super.cell(); }

    @Override
    protected GRU withOptions(RNN.Options options) { return new GRU(config.withOptions(options)); }

    @Override
    protected Regularizer activityRegularizer() { return config.activityRegularizer(); }

    @Override
    public Config config() { return config; }
}
