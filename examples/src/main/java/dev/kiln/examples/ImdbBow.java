package dev.kiln.examples;

import static dev.kiln.layers.Activation.RELU;
import static dev.kiln.layers.Activation.SIGMOID;

import dev.kiln.callbacks.EarlyStopping;
import dev.kiln.core.Kiln;
import dev.kiln.core.Tensor;
import dev.kiln.data.Imdb;
import dev.kiln.data.TextVectorization;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.losses.Losses;
import dev.kiln.metrics.Metrics;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import dev.kiln.optim.RMSprop;
import java.util.Locale;
import java.util.Set;

/**
 * IMDB as a bag of bigrams (Deep Learning with Python's best bag-of-words model): TextVectorization adapted on the
 * training reviews (lower-cased, punctuation and {@code <br />} stripped, unigrams and bigrams, the 20,000 most
 * frequent), multi-hot or tf-idf vectors, Dense(16, relu) → Dropout(0.5) → Dense(1, sigmoid), RMSprop.
 */
final class ImdbBow implements Program {

    private static final Set<String> OPTIONS = Set.of("epochs", "batch-size", "max-tokens", "mode", "data", "seed", "save", "metrics-out");

    @Override
    public String name() { return "imdb-bow"; }

    @Override
    public String summary() { return "IMDB sentiment from a bag of bigrams (TextVectorization, Dense, Dropout)"; }

    @Override
    public String usage() {
        return """
                  --epochs N        epochs to train at most (early stopping may end sooner; 10)
                  --batch-size N    samples per step (32)
                  --max-tokens N    vocabulary of unigrams and bigrams (20000)
                  --mode M          multi_hot or tf_idf (multi_hot)
                  --data DIR        where the IMDB data is (see imdb-cnn --help)
                  --seed N          seed for initialization, dropout and shuffling (42)
                  --save FILE       save the trained model (.kiln)
                  --metrics-out F   write the test metrics and timings as one JSON object""";
    }

    @Override
    public void run(Options options) throws Exception {
        options.requireOnly(OPTIONS);
        int maxTokens = options.integer("max-tokens", 20_000);
        var mode = TextVectorization.OutputMode.valueOf(options.string("mode", "multi_hot").toUpperCase(Locale.ROOT));
        var run = new ImdbRun(options.integer("epochs", 10), options.integer("batch-size", 32), 0, maxTokens, options.path("data"),
                options.longValue("seed", 42), options.path("save"), options.path("metrics-out"));
        Kiln.seed(run.seed());

        long start = System.nanoTime();
        var reviews = Imdb.reviews(Imdb.Options.defaults().withDataDir(run.dataDir()));
        var vectorizer = new TextVectorization(TextVectorization.Config.defaults().withMaxTokens(maxTokens)
                .withStripHtmlLineBreaks(true).withNgrams(2).withOutputMode(mode));
        vectorizer.adapt(reviews.train().texts());
        var train = vectorizer.dataset(reviews.train().texts(), labels(reviews.train().labels()));
        var test = vectorizer.dataset(reviews.test().texts(), labels(reviews.test().labels()));
        System.out.printf(Locale.ROOT, "Read %,d training and %,d test reviews and adapted a %,d-token vocabulary in %.1f s%n",
                train.size(), test.size(), vectorizer.vocabularySize(), (System.nanoTime() - start) / 1e9);

        var model = new Sequential(Input.of(vectorizer.vocabularySize()), new Dense(16, RELU), new Dropout(0.5), new Dense(1, SIGMOID));
        model.compile(new RMSprop(1e-3), Losses.binaryCrossentropy(), Metrics.accuracy());
        model.summary(System.out);
        run.trainAndReport(model, new Imdb.Split(train, test),
                FitOptions.epochs(run.epochs()).withBatchSize(run.batchSize()).withValidationSplit(0.2),
                new EarlyStopping("val_loss", 2, true));
    }

    private static Tensor labels(int[] labels) {
        float[] values = new float[labels.length];
        for (int i = 0; i < labels.length; i++) values[i] = labels[i];
        return Tensor.of(values, labels.length, 1);
    }
}
