package dev.kiln.callbacks;

import dev.kiln.models.Model;

/**
 * Hooks into {@code fit}, {@code evaluate} and {@code predict}, as Keras's {@code Callback}: every method does nothing
 * unless overridden. Epochs and batches are counted from 0. The logs passed to {@code onTrainBatchEnd} hold the
 * running averages of the epoch so far; those passed to {@code onEpochEnd} hold the epoch's results, and the
 * validation results as {@code val_*} when validation ran.
 */
public interface Callback {

    /** Called once before training with the model being trained and the run's parameters. */
    default void setModel(Model model, TrainingParams params) {}

    default void onTrainBegin(Logs logs) {}

    /**
     * The epoch {@code fit} starts from, given the one it would start from ({@code FitOptions.initialEpoch}, or the
     * previous callback's answer); asked once, after {@link #onTrainBegin}. {@code BackupAndRestore} answers the
     * epoch after its last backup.
     */
    default int initialEpoch(int epoch) { return epoch; }

    default void onTrainEnd(Logs logs) {}

    default void onEpochBegin(int epoch, Logs logs) {}

    default void onEpochEnd(int epoch, Logs logs) {}

    default void onTrainBatchBegin(int batch, Logs logs) {}

    default void onTrainBatchEnd(int batch, Logs logs) {}

    default void onTestBegin(Logs logs) {}

    default void onTestEnd(Logs logs) {}

    default void onTestBatchBegin(int batch, Logs logs) {}

    default void onTestBatchEnd(int batch, Logs logs) {}

    default void onPredictBegin(Logs logs) {}

    default void onPredictEnd(Logs logs) {}

    default void onPredictBatchBegin(int batch, Logs logs) {}

    default void onPredictBatchEnd(int batch, Logs logs) {}
}
