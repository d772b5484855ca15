package dev.kiln.examples;

import dev.kiln.callbacks.Callback;
import dev.kiln.callbacks.History;
import dev.kiln.core.Tensor;
import dev.kiln.data.Imdb;
import dev.kiln.data.Sequences;
import dev.kiln.metrics.ClassificationReport;
import dev.kiln.metrics.ConfusionMatrix;
import dev.kiln.models.FitOptions;
import dev.kiln.models.Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the IMDB programs share: their options, loading the reviews, training with timing, and the report — test
 * loss and accuracy, precision, recall, F1 and the confusion matrix, and the {@code --metrics-out} JSON.
 */
record ImdbRun(int epochs, int batchSize, int maxLen, int numWords, Path dataDir, long seed, Path save, Path metricsOut) {

    static final String COMMON_USAGE = """
              --epochs N        epochs to train at most (early stopping may end sooner)
              --batch-size N    samples per step
              --max-len N       tokens per review: longer ones are cut, shorter ones padded (post)
              --num-words N     vocabulary: the N most frequent words; rarer ones become the OOV token 2
              --data DIR        where the IMDB data is (an aclImdb folder, aclImdb_v1.tar.gz, or the TSV copy);
                                default: ../shared/data/imdb, then ~/.kiln/datasets, then a download
              --seed N          seed for initialization, dropout and shuffling (42)
              --save FILE       save the trained model (.kiln; Model.load reads it back)
              --metrics-out F   write test_accuracy, test_loss, epochs_run, train_seconds and
                                train_samples_per_second as one JSON object""";

    private static final Set<String> OPTIONS = Set.of("epochs", "batch-size", "max-len", "num-words", "data", "seed", "save", "metrics-out");

    static ImdbRun from(Options options, int epochs, int batchSize, int maxLen, int numWords) {
        options.requireOnly(OPTIONS);
        return new ImdbRun(options.integer("epochs", epochs), options.integer("batch-size", batchSize), options.integer("max-len", maxLen),
                options.integer("num-words", numWords), options.path("data"), options.longValue("seed", 42), options.path("save"),
                options.path("metrics-out"));
    }

    /** The train and test splits as Keras's load_data gives them, padded and truncated to {@code maxLen}. */
    Imdb.Split load(Sequences.Padding padding, Sequences.Truncating truncating) {
        long start = System.nanoTime();
        var split = Imdb.load(Imdb.Options.defaults().withDataDir(dataDir).withNumWords(numWords), maxLen, padding, truncating);
        System.out.printf(Locale.ROOT, "Loaded %,d training and %,d test reviews in %.1f s%n", split.train().size(), split.test().size(),
                (System.nanoTime() - start) / 1e9);
        return split;
    }

    /** Trains, evaluates on the test reviews, prints the report, and writes the metrics and the model when asked. */
    void trainAndReport(Model model, Imdb.Split data, FitOptions fit, Callback... callbacks) throws IOException {
        long start = System.nanoTime();
        History history = model.fit(data.train(), fit, callbacks);
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        int epochsRun = history.epochs().size();
        long trainSamples = Math.round(data.train().size() * (1 - fit.validationSplit()));
        double samplesPerSecond = trainSamples * (double) epochsRun / trainSeconds;

        Map<String, Double> test = model.evaluate(data.test(), 256);
        Tensor probabilities = model.predict(data.test(), 256).get(0);
        int[] predicted = classes(probabilities);
        int[] actual = data.test().labels().toIntArray();
        System.out.printf(Locale.ROOT, "%nTrained %d epochs in %.1f s (%,.0f samples/s). Test loss %.4f, test accuracy %.4f%n",
                epochsRun, trainSeconds, samplesPerSecond, test.get("loss"), test.get("accuracy"));
        var confusion = ConfusionMatrix.of(actual, predicted, 2).withClassNames("negative", "positive");
        System.out.println(confusion);
        System.out.println(ClassificationReport.of(confusion));

        if (save != null) {
            model.save(save);
            System.out.println("Saved the model to " + save);
        }
        if (metricsOut != null) {
            var metrics = new LinkedHashMap<String, Object>();
            metrics.put("test_accuracy", test.get("accuracy"));
            metrics.put("test_loss", test.get("loss"));
            metrics.put("epochs_run", epochsRun);
            metrics.put("train_seconds", trainSeconds);
            metrics.put("train_samples_per_second", samplesPerSecond);
            writeJson(metricsOut, metrics);
        }
    }

    /** Class per row: argmax of a softmax output, or probability > 0.5 for a single sigmoid. */
    private static int[] classes(Tensor probabilities) {
        long n = probabilities.size(0);
        int width = (int) (probabilities.shape().size() / n);
        double[] p = probabilities.toDoubleArray();
        int[] classes = new int[(int) n];
        for (int i = 0; i < n; i++) {
            if (width == 1) {
                classes[i] = p[i] > 0.5 ? 1 : 0;
            } else {
                int best = 0;
                for (int j = 1; j < width; j++) if (p[i * width + j] > p[i * width + best]) best = j;
                classes[i] = best;
            }
        }
        return classes;
    }

    /** Writes a flat JSON object atomically (a temp file, then a rename), so a crash never leaves half a file. */
    private static void writeJson(Path file, Map<String, Object> values) throws IOException {
        var json = new StringBuilder("{");
        values.forEach((k, v) -> json.append(json.length() > 1 ? ", " : "").append('"').append(k).append("\": ")
                .append(v instanceof Double d ? String.format(Locale.ROOT, "%.6f", d) : v));
        json.append("}\n");
        Path absolute = file.toAbsolutePath();
        Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
        Files.writeString(temp, json, StandardCharsets.UTF_8);
        Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("Wrote " + file);
    }
}
