package dev.kiln.callbacks;

import dev.kiln.models.Model;
import java.util.ArrayList;
import java.util.List;

/** Calls every callback in order; what the trainer talks to. */
public final class CallbackList implements Callback {

    private final List<Callback> callbacks;

    public CallbackList(List<Callback> callbacks) { this.callbacks = new ArrayList<>(callbacks); }

    public List<Callback> callbacks() { return List.copyOf(callbacks); }

    @Override
    public void setModel(Model model, TrainingParams params) { callbacks.forEach(c -> c.setModel(model, params)); }

    @Override
    public void onTrainBegin(Logs logs) { callbacks.forEach(c -> c.onTrainBegin(logs)); }

    @Override
    public int initialEpoch(int epoch) {
        int result = epoch;
        for (Callback c : callbacks) result = c.initialEpoch(result);
        return result;
    }

    @Override
    public void onTrainEnd(Logs logs) { callbacks.forEach(c -> c.onTrainEnd(logs)); }

    @Override
    public void onEpochBegin(int epoch, Logs logs) { callbacks.forEach(c -> c.onEpochBegin(epoch, logs)); }

    @Override
    public void onEpochEnd(int epoch, Logs logs) { callbacks.forEach(c -> c.onEpochEnd(epoch, logs)); }

    @Override
    public void onTrainBatchBegin(int batch, Logs logs) { callbacks.forEach(c -> c.onTrainBatchBegin(batch, logs)); }

    @Override
    public void onTrainBatchEnd(int batch, Logs logs) { callbacks.forEach(c -> c.onTrainBatchEnd(batch, logs)); }

    @Override
    public void onTestBegin(Logs logs) { callbacks.forEach(c -> c.onTestBegin(logs)); }

    @Override
    public void onTestEnd(Logs logs) { callbacks.forEach(c -> c.onTestEnd(logs)); }

    @Override
    public void onTestBatchBegin(int batch, Logs logs) { callbacks.forEach(c -> c.onTestBatchBegin(batch, logs)); }

    @Override
    public void onTestBatchEnd(int batch, Logs logs) { callbacks.forEach(c -> c.onTestBatchEnd(batch, logs)); }

    @Override
    public void onPredictBegin(Logs logs) { callbacks.forEach(c -> c.onPredictBegin(logs)); }

    @Override
    public void onPredictEnd(Logs logs) { callbacks.forEach(c -> c.onPredictEnd(logs)); }

    @Override
    public void onPredictBatchBegin(int batch, Logs logs) { callbacks.forEach(c -> c.onPredictBatchBegin(batch, logs)); }

    @Override
    public void onPredictBatchEnd(int batch, Logs logs) { callbacks.forEach(c -> c.onPredictBatchEnd(batch, logs)); }
}
