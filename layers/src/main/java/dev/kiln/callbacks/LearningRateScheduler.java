package dev.kiln.callbacks;

import dev.kiln.models.Model;
import java.util.function.BiFunction;

/**
 * Sets the learning rate at the start of every epoch from {@code schedule(epoch, currentRate)}, as Keras's
 * LearningRateScheduler (epochs from 0). The rate is logged as "learning_rate".
 */
public final class LearningRateScheduler implements Callback {

    private final BiFunction<Integer, Double, Double> schedule;
    private Model model;

    public LearningRateScheduler(BiFunction<Integer, Double, Double> schedule) { this.schedule = schedule; }

    @Override
    public void setModel(Model model, TrainingParams params) { this.model = model; }

    @Override
    public void onEpochBegin(int epoch, Logs logs) {
        double rate = schedule.apply(epoch, model.optimizer().learningRate());
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("The learning rate schedule must return a finite value >= 0. Received " + rate + " at epoch " + epoch);
        }
        model.optimizer().setLearningRate(rate);
    }

    @Override
    public void onEpochEnd(int epoch, Logs logs) { logs.put("learning_rate", model.optimizer().learningRate()); }
}
