package dev.kiln.layers;

import dev.kiln.core.NN;
import dev.kiln.core.Padding;
import dev.kiln.core.Tensor;

/**
 * Downsamples over time by taking the maximum of each window of {@code poolSize} steps, {@code strides} apart.
 * See {@link Pooling1D} for the shapes.
 */
public final class MaxPooling1D extends Pooling1D {

    /** All constructor arguments; Keras's defaults are poolSize 2, strides = poolSize, padding valid. */
    public record Config(int poolSize, int strides, Padding padding) implements LayerConfig {
        public Config {
            if (padding == null) padding = Padding.VALID;
            validate(poolSize, strides, padding);
        }
    }

    private final Config config;

    public MaxPooling1D() { this(2); }

    public MaxPooling1D(int poolSize) { this(new Config(poolSize, poolSize, Padding.VALID)); }

    public MaxPooling1D(int poolSize, int strides, Padding padding) { this(new Config(poolSize, strides, padding)); }

    public MaxPooling1D(Config config) {
        super(config.poolSize(), config.strides(), config.padding());
        this.config = config;
    }

    @Override
    protected Tensor pool(Tensor x, int poolSize, int strides, Padding padding) { return NN.maxPool1d(x, poolSize, strides, padding); }

    @Override
    public Config config() { return config; }
}
