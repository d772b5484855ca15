package dev.kiln.layers;

import dev.kiln.core.NN;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Random;

/**
 * During training, zeroes each input element with probability {@code rate} and scales the others by
 * 1 / (1 − rate) (inverted dropout), so inference is the identity. Shapes: outputs = inputs. Masks pass through.
 *
 * <p>{@code noiseShape} (batch included, as Keras; -1 entries take the input's size) shares one random draw along
 * its size-1 axes. With a {@code seed} the layer draws its masks from a generator of its own, so they repeat
 * from run to run; without one they come from Kiln's global generator ({@code Kiln.seed}).
 */
public final class Dropout extends Layer {

    /** All constructor arguments; noiseShape and seed may be null. */
    public record Config(double rate, Shape noiseShape, Long seed) implements LayerConfig {
        public Config { checkRate(rate); }

        public Config withNoiseShape(Shape noiseShape) { return new Config(rate, noiseShape, seed); }

        public Config withSeed(long seed) { return new Config(rate, noiseShape, seed); }
    }

    private final Config config;
    private final Random generator;   // null without a seed

    public Dropout(double rate) { this(new Config(rate, null, null)); }

    public Dropout(Config config) {
        this.config = config;
        this.generator = config.seed() == null ? null : new Random(config.seed());
    }

    static void checkRate(double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("rate must be in [0, 1). Received: rate=" + rate);
    }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (config.noiseShape() != null && config.noiseShape().rank() != inputShape.rank()) {
            throw inputError("has noiseShape " + config.noiseShape() + ", which needs inputs of rank " + config.noiseShape().rank(), inputShape);
        }
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        if (!training || config.rate() == 0) return inputs;
        return NN.dropout(inputs, config.rate(), noiseShape(inputs.shape()), nextSeed());
    }

    /**
     * The seed of this layer's next draw (null without a seed of its own: Kiln's generator draws), for an op that
     * applies this layer's dropout itself, as MultiHeadAttention's fused attention does.
     */
    Long nextSeed() { return generator == null ? null : generator.nextLong(); }

    private Shape noiseShape(Shape inputShape) {
        if (config.noiseShape() == null) return null;
        long[] dims = config.noiseShape().dims();
        for (int i = 0; i < dims.length; i++) if (dims[i] == Shape.UNKNOWN) dims[i] = inputShape.get(i);
        return Shape.of(dims);
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public boolean supportsMasking() { return true; }

    @Override
    public Config config() { return config; }
}
