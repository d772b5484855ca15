package dev.kiln.callbacks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The per-epoch logs of a {@code fit} run, as Keras's {@code History}: {@code history().get("val_loss")}. */
public final class History implements Callback {

    private final Map<String, List<Double>> history = new LinkedHashMap<>();
    private final List<Integer> epochs = new ArrayList<>();

    @Override
    public void onEpochEnd(int epoch, Logs logs) {
        epochs.add(epoch);
        logs.forEach((name, value) -> history.computeIfAbsent(name, k -> new ArrayList<>()).add(value));
    }

    /** Every logged value by name, one entry per epoch run. */
    public Map<String, List<Double>> history() { return history; }

    /** The epochs that ran (from {@code initialEpoch}). */
    public List<Integer> epochs() { return List.copyOf(epochs); }

    /** The values of {@code name}, one per epoch. */
    public List<Double> get(String name) {
        List<Double> values = history.get(name);
        if (values == null) throw new IllegalArgumentException("No '" + name + "' in the history. Available: " + history.keySet());
        return List.copyOf(values);
    }

    /** The last epoch's value of {@code name}. */
    public double last(String name) {
        List<Double> values = get(name);
        return values.get(values.size() - 1);
    }

    @Override
    public String toString() { return history.toString(); }
}
