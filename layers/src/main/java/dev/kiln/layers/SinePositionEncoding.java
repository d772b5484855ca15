package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;

/**
 * The fixed sinusoidal position encoding of "Attention Is All You Need", as KerasHub's SinePositionEncoding: for
 * position t and feature j of E, with timescale_j = maxWavelength^(−2⌊j/2⌋/E),
 * {@code outputs[..., t, j] = sin(t·timescale_j)} for even j and {@code cos(t·timescale_j)} for odd j, broadcast to
 * the input's shape; the input's values are not used. Add it to a token embedding.
 *
 * <p>Shapes: inputs [B, ..., T, E] → outputs [B, ..., T, E]. No weights.
 */
public final class SinePositionEncoding extends Layer {

    /** All constructor arguments. */
    public record Config(double maxWavelength) implements LayerConfig {
        public Config {
            if (!(maxWavelength > 0)) throw new IllegalArgumentException("maxWavelength must be positive. Received: maxWavelength=" + maxWavelength);
        }
    }

    private final Config config;
    private Tensor table;   // the latest [T, E] encoding, kept (outside any memory scope) for the next call

    /** KerasHub's default maxWavelength: 10,000. */
    public SinePositionEncoding() { this(new Config(10_000)); }

    public SinePositionEncoding(Config config) { this.config = config; }

    @Override
    protected void checkInputShape(Shape inputShape) {
        if (inputShape.rank() < 2) throw inputError("expects input of rank >= 2 [batch, ..., steps, features]", inputShape);
    }

    @Override
    protected Tensor call(Tensor inputs, boolean training) {
        Tensor zeros = AttentionMasks.temporary(Tensor.zeros(inputs.shape(), dtype()));
        return zeros.add(encoding(inputs.size(-2), inputs.size(-1)));   // [T, E] broadcast to the input's shape
    }

    private Tensor encoding(long steps, long features) {
        if (table != null && table.shape().equals(Shape.of(steps, features))) return table;
        double[] values = new double[Math.toIntExact(steps * features)];
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < features; j++) {
                double angle = t * Math.pow(config.maxWavelength(), -2.0 * (j / 2) / features);
                values[(int) (t * features + j)] = j % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
            }
        }
        table = AttentionMasks.constant(values, dtype(), steps, features);
        return table;
    }

    @Override
    public Shape outputShape(Shape inputShape) { return inputShape; }

    @Override
    public Config config() { return config; }
}
