package dev.kiln.models;

import dev.kiln.callbacks.Logs;
import dev.kiln.core.Tensor;
import dev.kiln.losses.Loss;
import dev.kiln.metrics.Mean;
import dev.kiln.metrics.Metric;
import dev.kiln.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Model#compile} fixed: the optimizer, one loss (and its weight) and a list of metrics per output, and
 * the trackers that average the loss over an epoch. Metrics accumulate in Java doubles: the only values read back
 * from the backend each step are the scalars the progress bar shows.
 */
final class Compiled {

    final Optimizer optimizer;
    final List<Loss> losses;
    final List<Double> lossWeights;
    final List<List<Metric>> metrics;        // per output
    final List<String> outputNames;
    private final Mean lossTracker = new Mean("loss");
    private final List<Mean> outputLossTrackers = new ArrayList<>();

    Compiled(Optimizer optimizer, List<Loss> losses, List<Double> lossWeights, List<List<Metric>> metrics, List<String> outputNames) {
        this.optimizer = optimizer;
        this.losses = List.copyOf(losses);
        this.lossWeights = List.copyOf(lossWeights);
        this.metrics = metrics.stream().map(List::copyOf).toList();
        this.outputNames = List.copyOf(outputNames);
        if (losses.size() > 1) for (String name : outputNames) outputLossTrackers.add(new Mean(name + "_loss"));
    }

    /** The weighted sum of every output's loss plus the model's own losses (regularization). */
    Tensor totalLoss(List<Tensor> yTrue, List<Tensor> yPred, Tensor sampleWeight, List<Tensor> modelLosses, List<Double> perOutput) {
        if (yTrue.size() != yPred.size()) {
            throw new IllegalArgumentException("The model has " + yPred.size() + " outputs but received labels for " + yTrue.size());
        }
        Tensor total = null;
        for (int i = 0; i < yPred.size(); i++) {
            Tensor loss = losses.get(i).apply(yTrue.get(i), yPred.get(i), sampleWeight);
            if (perOutput != null) perOutput.add(loss.item());
            Tensor weighted = lossWeights.get(i) == 1.0 ? loss : loss.mul(lossWeights.get(i));
            total = total == null ? weighted : total.add(weighted);
        }
        for (Tensor extra : modelLosses) total = total.add(extra.cast(total.dtype()));
        return total;
    }

    /** Updates the loss trackers and metrics with one batch; returns the running values. */
    Logs update(double loss, List<Double> perOutputLoss, List<Tensor> yTrue, List<Tensor> yPred, Tensor sampleWeight, long batchSize) {
        lossTracker.update(loss, batchSize);
        for (int i = 0; i < outputLossTrackers.size(); i++) outputLossTrackers.get(i).update(perOutputLoss.get(i), batchSize);
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < metrics.size(); i++) {
                for (Metric metric : metrics.get(i)) metric.update(yTrue.get(i), yPred.get(i), sampleWeight);
            }
        }
        return results();
    }

    Logs results() {
        var logs = new Logs();
        logs.put("loss", lossTracker.result());
        for (Mean tracker : outputLossTrackers) logs.put(tracker.name(), tracker.result());
        for (int i = 0; i < metrics.size(); i++) {
            String prefix = metrics.size() > 1 ? outputNames.get(i) + "_" : "";
            for (Metric metric : metrics.get(i)) logs.put(prefix + metric.name(), metric.result());
        }
        return logs;
    }

    void reset() {
        lossTracker.reset();
        outputLossTrackers.forEach(Mean::reset);
        metrics.forEach(list -> list.forEach(Metric::reset));
    }

    boolean needsPerOutputLosses() { return !outputLossTrackers.isEmpty(); }
}
