package dev.kiln.models;

import dev.kiln.callbacks.Callback;
import dev.kiln.callbacks.CallbackList;
import dev.kiln.callbacks.History;
import dev.kiln.callbacks.Logs;
import dev.kiln.callbacks.ProgressBar;
import dev.kiln.callbacks.TrainingParams;
import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.MemoryScope;
import dev.kiln.core.Tensor;
import dev.kiln.data.Batch;
import dev.kiln.data.BatchIterator;
import dev.kiln.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The loops behind {@link Model#fit}, {@link Model#evaluate} and {@link Model#predict}: epochs, batches, callbacks
 * and validation. Each step runs inside a {@link MemoryScope}, so every array it creates (the batch, activations,
 * gradients) is freed when it ends; the model's weights and the optimizer's state live outside.
 */
final class Trainer {

    private Trainer() {}

    static History fit(Model model, Dataset data, FitOptions options, List<Callback> userCallbacks) {
        Compiled compiled = model.compiledOrThrow("fit");
        Dataset train = data;
        Dataset validation = options.validationData();
        if (options.validationSplit() > 0) {
            if (validation != null) throw new IllegalArgumentException("Pass validationSplit or validationData, not both");
            var split = data.splitLast(options.validationSplit());     // Keras: the last samples, before shuffling
            train = split.first();
            validation = split.second();
        }
        if (train.size() == 0) throw new IllegalArgumentException("fit needs at least one training sample. Received 0");
        int batchCount = train.batchCount(options.batchSize());
        int steps = options.stepsPerEpoch() > 0 ? Math.min(options.stepsPerEpoch(), batchCount) : batchCount;

        var history = new History();
        var all = new ArrayList<Callback>(userCallbacks);   // first, so History and the bar see what they add to the logs
        if (options.verbose() > 0) all.add(new ProgressBar());
        all.add(history);
        var callbacks = new CallbackList(all);
        callbacks.setModel(model, new TrainingParams(options.epochs(), steps, options.verbose(), options.batchSize(), train.size()));

        Random epochSeeds = new Random(Kiln.nextSeed());
        model.setStopTraining(false);
        callbacks.onTrainBegin(new Logs());
        int initialEpoch = callbacks.initialEpoch(options.initialEpoch());
        // Every epoch draws two seeds, also the epochs a resumed fit skips: epoch e then shuffles and drops out the same
        // way whether or not training stopped and resumed before it (given the same Kiln.seed before fit).
        for (int skipped = 0; skipped < 2 * initialEpoch; skipped++) epochSeeds.nextLong();
        Logs epochLogs = new Logs();
        for (int epoch = initialEpoch; epoch < options.epochs() && !model.stopTraining(); epoch++) {
            compiled.reset();
            long shuffleSeed = epochSeeds.nextLong();
            Kiln.seed(epochSeeds.nextLong());    // dropout draws from Kiln's generators
            callbacks.onEpochBegin(epoch, new Logs());
            try (BatchIterator batches = train.batches(options.batchSize(), options.shuffle(), shuffleSeed).iterator()) {
                for (int step = 0; step < steps && batches.hasNext() && !model.stopTraining(); step++) {
                    Batch batch = batches.next();
                    callbacks.onTrainBatchBegin(step, new Logs());
                    Logs logs;
                    try (var scope = MemoryScope.open()) {
                        adopt(batch);
                        logs = model.trainStep(withClassWeights(batch, options));
                    }
                    callbacks.onTrainBatchEnd(step, logs);
                }
            }
            epochLogs = compiled.results();
            if (validation != null && (epoch + 1) % options.validationFreq() == 0) {
                epochLogs.putAllPrefixed("val_", evaluate(model, validation, options.batchSize(), new CallbackList(List.of())));
            }
            callbacks.onEpochEnd(epoch, epochLogs);
        }
        callbacks.onTrainEnd(epochLogs);
        return history;
    }

    static Logs evaluate(Model model, Dataset data, int batchSize, CallbackList callbacks) {
        Compiled compiled = model.compiledOrThrow("evaluate");
        compiled.reset();
        callbacks.onTestBegin(new Logs());
        int step = 0;
        try (var ignored = Tensor.noGrad()) {
            for (Batch batch : data.batches(batchSize, false, 0)) {
                callbacks.onTestBatchBegin(step, new Logs());
                Logs logs;
                try (var scope = MemoryScope.open()) {
                    adopt(batch);
                    logs = model.testStep(batch);
                }
                callbacks.onTestBatchEnd(step++, logs);
            }
        }
        Logs results = compiled.results();
        callbacks.onTestEnd(results);
        return results;
    }

    /** Every output of the model for every sample, batch by batch, without recording gradients. */
    static List<Tensor> predict(Model model, Dataset data, int batchSize, CallbackList callbacks) {
        var parts = new ArrayList<List<Tensor>>();
        callbacks.onPredictBegin(new Logs());
        try (var ignored = Tensor.noGrad(); var all = MemoryScope.open()) {
            int step = 0;
            for (Batch batch : data.batches(batchSize, false, 0)) {
                callbacks.onPredictBatchBegin(step, new Logs());
                try (var scope = MemoryScope.open()) {
                    adopt(batch);
                    parts.add(model.predictBatch(batch).stream().map(scope::keep).toList());
                }
                callbacks.onPredictBatchEnd(step++, new Logs());
            }
            if (parts.isEmpty()) throw new IllegalArgumentException("predict needs at least one sample. Received 0");
            var outputs = new ArrayList<Tensor>();
            for (int k = 0; k < parts.get(0).size(); k++) {
                int output = k;
                outputs.add(all.keep(Tensor.concat(0, parts.stream().map(p -> p.get(output)).toArray(Tensor[]::new))));
            }
            callbacks.onPredictEnd(new Logs());
            return outputs;
        }
    }

    /** The batch's arrays were made on the prefetch thread; the step's scope frees them with the rest. */
    private static void adopt(Batch batch) { MemoryScope.adopt(batch.tensors()); }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) floats[i] = (float) values[i];
        return floats;
    }

    /** Multiplies each sample's weight by its class's weight (class from the label: index, one-hot or 0/1). */
    private static Batch withClassWeights(Batch batch, FitOptions options) {
        if (options.classWeight() == null) return batch;
        Tensor labels = batch.labels();
        long n = labels.size(0);
        long width = labels.shape().size() / Math.max(1, n);
        double[] values = labels.toDoubleArray();
        double[] base = batch.sampleWeights() == null ? null : batch.sampleWeights().toDoubleArray();
        double[] weights = new double[(int) n];
        for (int i = 0; i < n; i++) {
            int cls;
            if (width == 1) {
                cls = (int) Math.round(values[i]);
            } else {
                cls = 0;
                for (int j = 1; j < width; j++) if (values[(int) (i * width + j)] > values[(int) (i * width + cls)]) cls = j;
            }
            Double w = options.classWeight().get(cls);
            if (w == null) {
                throw new IllegalArgumentException("classWeight has no weight for class " + cls + ". Received weights for "
                        + options.classWeight().keySet());
            }
            weights[i] = w * (base == null ? 1 : base[i]);
        }
        Tensor sampleWeights = Tensor.of(weights, n);
        if (labels.dtype() != DType.FLOAT64) sampleWeights = Tensor.of(toFloats(weights), n);
        MemoryScope.adopt(sampleWeights);
        return new Batch(batch.index(), batch.inputs(), batch.labels(), sampleWeights);
    }
}
