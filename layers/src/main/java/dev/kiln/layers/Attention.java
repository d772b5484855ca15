package dev.kiln.layers;

import dev.kiln.core.Initializer;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * Dot-product (Luong-style) attention, as Keras's Attention layer. Scores [B, Tq, Tv]:
 * {@code DOT}: query·keyᵀ (times the trainable scalar {@code scale} with useScale);
 * {@code CONCAT}: concat_score_weight · Σ_d tanh(query + key) (tanh(scale·(query + key)) with useScale).
 * Then weights = softmax(masked scores) and outputs = weights·value; see {@link BaseDenseAttention} for masks,
 * dropout and shapes. Weights: scale [] and concat_score_weight [] (CONCAT), both initialized to 1.
 */
public final class Attention extends BaseDenseAttention {

    /** How scores are computed from the query and the key; Keras's score_mode "dot" or "concat". */
    public enum ScoreMode {
        DOT, CONCAT;

        public String kerasName() { return name().toLowerCase(Locale.ROOT); }
    }

    /** All constructor arguments; seed may be null. */
    public record Config(boolean useScale, ScoreMode scoreMode, double dropout, Long seed) implements LayerConfig {
        public Config {
            if (scoreMode == null) throw new IllegalArgumentException("scoreMode must be DOT or CONCAT. Received: scoreMode=null");
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1). Received: dropout=" + dropout);
        }

        /** Keras's defaults: no scale, dot scores, no dropout. */
        public Config() { this(false, ScoreMode.DOT, 0, null); }

        public Config withUseScale(boolean useScale) { return new Config(useScale, scoreMode, dropout, seed); }

        public Config withScoreMode(ScoreMode scoreMode) { return new Config(useScale, scoreMode, dropout, seed); }

        public Config withDropout(double dropout) { return new Config(useScale, scoreMode, dropout, seed); }

        public Config withSeed(long seed) { return new Config(useScale, scoreMode, dropout, seed); }
    }

    private final Config config;
    private Tensor scale;               // []; null without useScale
    private Tensor concatScoreWeight;   // []; null unless CONCAT

    public Attention() { this(new Config()); }

    public Attention(Config config) {
        super(config.dropout(), config.seed());
        this.config = config;
    }

    @Override
    protected void build(List<Shape> shapes) {
        scale = config.useScale() ? addWeight("scale", Shape.of(), Initializer.ones()) : null;
        concatScoreWeight = config.scoreMode() == ScoreMode.CONCAT ? addWeight("concat_score_weight", Shape.of(), Initializer.ones()) : null;
    }

    @Override
    protected Tensor scores(Tensor query, Tensor key) {
        if (config.scoreMode() == ScoreMode.DOT) {
            Tensor scores = query.matmul(key.transpose());                       // [B, Tq, Tv]
            return scale == null ? scores : scores.mul(scale);
        }
        Tensor sums = query.expandDims(-2).add(key.expandDims(-3));              // [B, Tq, 1, D] + [B, 1, Tv, D]
        if (scale != null) sums = sums.mul(scale);
        return sums.tanh().sum(-1).mul(concatScoreWeight);                        // [B, Tq, Tv]
    }

    @Override
    public Config config() { return config; }
}
