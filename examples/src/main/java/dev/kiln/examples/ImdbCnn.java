package dev.kiln.examples;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;

import dev.kiln.callbacks.EarlyStopping;
import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.data.Imdb;
import dev.kiln.data.Sequences;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metrics;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;

/**
 * The classic IMDB sentiment convnet: reviews as the 10,000 most frequent words (Keras's {@code imdb.load_data}
 * conventions), padded or cut to 100 tokens, Embedding(10000, 16) → Conv1D(32, 5, relu) → MaxPooling1D(2) →
 * GlobalMaxPooling1D → Dense(16, relu) → Dense(1, sigmoid), trained with Adam(1e-3) on binary cross-entropy with
 * 20% of the training reviews held out, stopping early on the validation loss.
 */
final class ImdbCnn implements Program {

    @Override
    public String name() { return "imdb-cnn"; }

    @Override
    public String summary() { return "IMDB sentiment with a 1-D convnet (Embedding, Conv1D, pooling, Dense)"; }

    @Override
    public String usage() { return ImdbRun.COMMON_USAGE; }

    @Override
    public void run(Options options) throws Exception {
        var run = ImdbRun.from(options, 10, 32, 100, 10_000);
        Kiln.seed(run.seed());
        var data = run.load(Sequences.Padding.POST, Sequences.Truncating.PRE);

        var model = new Sequential(
                Input.of(DType.INT32, run.maxLen()),
                new Embedding(run.numWords(), 16),
                new Conv1D(32, 5, RELU),
                new MaxPooling1D(2),
                new GlobalMaxPooling1D(),
                new Dense(16, RELU),
                new Dense(1, SIGMOID));
        model.compile(new Adam(1e-3), Losses.binaryCrossentropy(), Metrics.accuracy());
        model.summary(System.out);

        run.trainAndReport(model, data, FitOptions.epochs(run.epochs()).withBatchSize(run.batchSize()).withValidationSplit(0.2),
                new EarlyStopping("val_loss", 2, true));
    }
}
