package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * Additive (Bahdanau-style) attention, as Keras's AdditiveAttention. Scores [B, Tq, Tv]:
 * Σ_d scale_d · tanh(query[i, d] + key[j, d]) (scale 1 without useScale), then weights = softmax(masked scores)
 * and outputs = weights·value; see {@link BaseDenseAttention} for masks, dropout and shapes.
 * Weight: scale [D], glorot_uniform, with useScale (Keras's default).
 */
public final class AdditiveAttention extends BaseDenseAttention {

    /** All constructor arguments; seed may be null. */
    public record Config(boolean useScale, double dropout, Long seed) implements LayerConfig {
        public Config {
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1). Received: dropout=" + dropout);
        }

        /** Keras's defaults: a trainable scale, no dropout. */
        public Config() { this(true, 0, null); }

        public Config withUseScale(boolean useScale) { return new Config(useScale, dropout, seed); }

        public Config withDropout(double dropout) { return new Config(useScale, dropout, seed); }

        public Config withSeed(long seed) { return new Config(useScale, dropout, seed); }
    }

    private final Config config;
    private Tensor scale;   // [D]; null without useScale

    public AdditiveAttention() { this(new Config()); }

    public AdditiveAttention(Config config) {
        super(config.dropout(), config.seed());
        this.config = config;
    }

    @Override
    protected void build(List<Shape> shapes) {
        scale = config.useScale() ? addWeight("scale", Shape.of(shapes.get(0).last()), Initializer.glorotUniform()) : null;
    }

    @Override
    protected Tensor scores(Tensor query, Tensor key) {
        Tensor terms = query.expandDims(-2).add(key.expandDims(-3)).tanh();     // [B, Tq, 1, D] + [B, 1, Tv, D] → [B, Tq, Tv, D]
        return (scale == null ? terms : terms.mul(scale)).sum(-1);              // [B, Tq, Tv]
    }

    @Override
    public Config config() { return config; }
}
