package dev.kiln.examples;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SOFTMAX;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.data.Sequences;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.TokenAndPositionEmbedding;
import dev.kiln.layers.TransformerEncoder;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metrics;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import dev.kiln.optim.Adam;

/**
 * keras.io's "Text classification with Transformer": the 20,000 most frequent words, reviews cut or padded to 200
 * tokens (at the front, as pad_sequences does by default), token and position embeddings of 32, one Transformer
 * encoder block (2 heads, feed-forward 32, dropout 0.1), GlobalAveragePooling1D, Dropout(0.1), Dense(20, relu),
 * Dropout(0.1), Dense(2, softmax), sparse categorical cross-entropy, Adam, 2 epochs.
 */
final class ImdbTransformer implements Program {

    @Override
    public String name() { return "imdb-transformer"; }

    @Override
    public String summary() { return "IMDB sentiment with a Transformer encoder block (keras.io's example)"; }

    @Override
    public String usage() { return ImdbRun.COMMON_USAGE; }

    @Override
    public void run(Options options) throws Exception {
        var run = ImdbRun.from(options, 2, 32, 200, 20_000);
        Kiln.seed(run.seed());
        var data = run.load(Sequences.Padding.PRE, Sequences.Truncating.PRE);

        var model = new Sequential(
                Input.of(DType.INT32, run.maxLen()),
                new TokenAndPositionEmbedding(run.numWords(), run.maxLen(), 32),
                new TransformerEncoder(new TransformerEncoder.Config(32, 2).withDropout(0.1)),
                new GlobalAveragePooling1D(),
                new Dropout(0.1),
                new Dense(20, RELU),
                new Dropout(0.1),
                new Dense(2, SOFTMAX));
        model.compile(new Adam(1e-3), Losses.sparseCategoricalCrossentropy(), Metrics.accuracy());
        model.summary(System.out);

        run.trainAndReport(model, data, FitOptions.epochs(run.epochs()).withBatchSize(run.batchSize()).withValidationSplit(0.2));
    }
}
