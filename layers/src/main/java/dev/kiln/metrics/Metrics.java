package dev.kiln.metrics;

import dev.kiln.losses.BinaryCrossentropy;
import dev.kiln.losses.CategoricalCrossentropy;
import dev.kiln.losses.Hinge;
import dev.kiln.losses.Loss;
import dev.kiln.losses.MeanAbsoluteError;
import dev.kiln.losses.MeanSquaredError;
import dev.kiln.losses.Reduction;
import dev.kiln.losses.SparseCategoricalCrossentropy;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The built-in metrics with Keras's defaults, and {@link #resolve(String, Loss)}, which turns the names given to
 * {@code compile} into metrics as Keras does.
 */
public final class Metrics {

    /** Each name's metric; the loss is the compiled one (only "accuracy" looks at it). */
    private static final Map<String, Function<Loss, Metric>> BY_NAME = new TreeMap<>();

    static {
        register(Accuracy::new, "accuracy", "acc");
        register(loss -> new BinaryAccuracy(), "binary_accuracy", "BinaryAccuracy");
        register(loss -> new CategoricalAccuracy(), "categorical_accuracy", "CategoricalAccuracy");
        register(loss -> new SparseCategoricalAccuracy(), "sparse_categorical_accuracy", "SparseCategoricalAccuracy");
        register(loss -> new TopKCategoricalAccuracy(), "top_k_categorical_accuracy", "TopKCategoricalAccuracy");
        register(loss -> new SparseTopKCategoricalAccuracy(), "sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy");
        register(loss -> new Precision(), "precision", "Precision");
        register(loss -> new Recall(), "recall", "Recall");
        register(loss -> new F1Score(), "f1_score", "F1Score");
        register(loss -> new AUC(), "auc", "AUC");
        register(loss -> new TruePositives(), "true_positives", "TruePositives");
        register(loss -> new FalsePositives(), "false_positives", "FalsePositives");
        register(loss -> new TrueNegatives(), "true_negatives", "TrueNegatives");
        register(loss -> new FalseNegatives(), "false_negatives", "FalseNegatives");
        register(loss -> lossMetric("mean_squared_error", new MeanSquaredError()), "mean_squared_error", "MeanSquaredError", "mse", "MSE");
        register(loss -> lossMetric("mean_absolute_error", new MeanAbsoluteError()), "mean_absolute_error", "MeanAbsoluteError", "mae",
                "MAE");
        register(loss -> lossMetric("binary_crossentropy", new BinaryCrossentropy()), "binary_crossentropy", "BinaryCrossentropy");
        register(loss -> lossMetric("categorical_crossentropy", new CategoricalCrossentropy()), "categorical_crossentropy",
                "CategoricalCrossentropy");
        register(loss -> lossMetric("sparse_categorical_crossentropy", new SparseCategoricalCrossentropy()),
                "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy");
        register(loss -> lossMetric("hinge", new Hinge()), "hinge", "Hinge");
    }

    private Metrics() {}

    private static void register(Function<Loss, Metric> factory, String... names) {
        for (String name : names) BY_NAME.put(name, factory);
    }

    /**
     * The metric a name given to {@code compile} stands for, as Keras's compile resolves it, logged under that name
     * ("acc" logs as "acc"). "accuracy" and "acc" pick binary, categorical or sparse categorical accuracy from the
     * compiled {@code loss} (may be null) and the shapes of the first batch; see {@link Accuracy}. Loss names
     * ("mse", "binary_crossentropy", ...) give the mean of that loss, with Keras's default arguments.
     */
    public static Metric resolve(String name, Loss loss) {
        Function<Loss, Metric> factory = BY_NAME.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("Unknown metric '" + name + "'. Valid names: " + String.join(", ", BY_NAME.keySet()));
        }
        return factory.apply(loss).named(name);
    }

    /**
     * A metric object given to {@code compile}, readied for the compiled loss: an {@link Accuracy} without a loss
     * becomes one that knows it (keeping its name); any other metric is returned as it is.
     */
    public static Metric resolve(Metric metric, Loss loss) {
        if (metric instanceof Accuracy && loss != null) return new Accuracy(loss).named(metric.name());
        return metric;
    }

    /** The mean of a loss's per-sample values, computed without gradients: Keras's loss functions used as metrics. */
    public static MeanMetricWrapper lossMetric(String name, Loss loss) {
        Loss perSample = loss.withReduction(Reduction.NONE);
        return new MeanMetricWrapper(name, perSample::apply);
    }

    /** "accuracy": binary, categorical or sparse categorical, chosen at the first batch (see {@link Accuracy}). */
    public static Accuracy accuracy() { return new Accuracy(); }

    public static BinaryAccuracy binaryAccuracy() { return new BinaryAccuracy(); }

    public static BinaryAccuracy binaryAccuracy(double threshold) { return new BinaryAccuracy(threshold); }

    public static CategoricalAccuracy categoricalAccuracy() { return new CategoricalAccuracy(); }

    public static SparseCategoricalAccuracy sparseCategoricalAccuracy() { return new SparseCategoricalAccuracy(); }

    public static TopKCategoricalAccuracy topKCategoricalAccuracy() { return new TopKCategoricalAccuracy(); }

    public static TopKCategoricalAccuracy topKCategoricalAccuracy(int k) { return new TopKCategoricalAccuracy(k); }

    public static SparseTopKCategoricalAccuracy sparseTopKCategoricalAccuracy(int k) { return new SparseTopKCategoricalAccuracy(k); }

    public static Precision precision() { return new Precision(); }

    public static Recall recall() { return new Recall(); }

    public static F1Score f1Score() { return new F1Score(); }

    public static AUC auc() { return new AUC(); }

    public static AUC auc(AUC.Curve curve) { return new AUC(curve); }

    public static TruePositives truePositives() { return new TruePositives(); }

    public static FalsePositives falsePositives() { return new FalsePositives(); }

    public static TrueNegatives trueNegatives() { return new TrueNegatives(); }

    public static FalseNegatives falseNegatives() { return new FalseNegatives(); }

    /** The weighted mean of values given to {@link Mean#update(double, double)}, e.g. the loss: {@code Metrics.mean("loss")}. */
    public static Mean mean(String name) { return new Mean(name); }
}
