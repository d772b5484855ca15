package dev.kiln.layers;

import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Random;

/**
 * Dropout of whole channels: during training each channel of each sample is zeroed at every time step with
 * probability {@code rate} (the rest scaled by 1 / (1 − rate)), i.e. Dropout with noise shape [B, 1, C].
 * Shapes: inputs [B, T, C] → outputs [B, T, C]. Masks pass through.
 */
public final class SpatialDropout1D extends Layer {

    /** All constructor arguments; seed may be null (Kiln's global generator). */
    public record Config(double rate, Long seed) implements LayerConfig {
        public Config { Dropout.checkRate(rate); }

        public Config withSeed(long seed) { return new Config(rate, seed); }
    }

    private final Config config;
    private final Random generator;   // null without a seed

    public SpatialDropout1D(double rate) { this(new Config(rate, null)); }

    public SpatialDropout1D(Config config) {
        this.config = config;
        this.generator = config.seed() == null ? null : new Random(config.seed());
    }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() != 3) throw inputError("expects input of rank 3 [batch, steps, channels]", inputShape);
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        if (!training || config.rate() == 0) return inputs;
        Shape noise = inputs.shape().with(1, 1);                                  // [B, 1, C]
        return NN.dropout(inputs, config.rate(), noise, generator == null ? null : generator.nextLong());
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Config config() { return config; }
}
