package dev.kiln.examples;

import static dev.kiln.layers.Activation.SIGMOID;

import dev.kiln.callbacks.EarlyStopping;
import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.data.Sequences;
import dev.kiln.layers.Bidirectional;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.LSTM;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metrics;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;

/**
 * IMDB with recurrent networks. {@code imdb-lstm}: Embedding(10000, 64, maskZero) → LSTM(64) → Dense(1, sigmoid),
 * 200 tokens, batch 64. {@code imdb-bilstm} (keras.io's bidirectional LSTM example, with 32 units): 20,000 words,
 * Embedding(20000, 128) → Bidirectional(LSTM(32), sequences) → Bidirectional(LSTM(32)) → Dense(1, sigmoid),
 * batch 32. Reviews are padded at the end (the mask hides the padding) and cut at the front; Adam, binary
 * cross-entropy, 20% held out, early stopping on the validation loss.
 */
final class ImdbLstm implements Program {

    private final boolean bidirectional;

    ImdbLstm(boolean bidirectional) { this.bidirectional = bidirectional; }

    @Override
    public String name() { return bidirectional ? "imdb-bilstm" : "imdb-lstm"; }

    @Override
    public String summary() {
        return bidirectional ? "IMDB sentiment with two stacked bidirectional LSTMs (keras.io's example)"
                : "IMDB sentiment with a masked LSTM(64)";
    }

    @Override
    public String usage() { return ImdbRun.COMMON_USAGE; }

    @Override
    public void run(Options options) throws Exception {
        var run = bidirectional ? ImdbRun.from(options, 2, 32, 200, 20_000) : ImdbRun.from(options, 3, 64, 200, 10_000);
        Kiln.seed(run.seed());
        var data = run.load(Sequences.Padding.POST, Sequences.Truncating.PRE);
        var tokens = Input.of(DType.INT32, run.maxLen());
        var model = bidirectional
                ? new Sequential(tokens, new Embedding(new Embedding.Config(run.numWords(), 128).withMaskZero(true)),
                        new Bidirectional(new LSTM(32, true)), new Bidirectional(new LSTM(32)), new Dense(1, SIGMOID))
                : new Sequential(tokens, new Embedding(new Embedding.Config(run.numWords(), 64).withMaskZero(true)),
                        new LSTM(64), new Dense(1, SIGMOID));
        model.compile(new Adam(1e-3), Losses.binaryCrossentropy(), Metrics.accuracy());
        model.summary(System.out);
        run.trainAndReport(model, data, FitOptions.epochs(run.epochs()).withBatchSize(run.batchSize()).withValidationSplit(0.2),
                new EarlyStopping("val_loss", 1, true));
    }
}
