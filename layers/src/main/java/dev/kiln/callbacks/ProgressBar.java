package dev.kiln.callbacks;

import dev.kiln.models.Model;
import java.io.PrintStream;

/**
 * Keras's progress logger, on by default in {@code fit}: {@code Epoch 3/10}, then a bar per epoch with steps, ETA,
 * samples per second and the running loss and metrics; the validation results join the epoch's final line.
 * Verbose 1 draws a live bar on a terminal and one line per epoch otherwise; verbose 2 always prints one line per
 * epoch; verbose 0 prints nothing (the trainer then leaves this callback out).
 */
public final class ProgressBar implements Callback {

    private final PrintStream out;
    private final boolean terminal;
    private TrainingParams params;
    private Progbar bar;
    private long samples;
    private int step;

    public ProgressBar() { this(System.out, System.console() != null); }

    public ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void setModel(Model model, TrainingParams params) { this.params = params; }

    @Override
    public void onEpochBegin(int epoch, Logs logs) {
        out.println("Epoch " + (epoch + 1) + "/" + params.epochs());
        bar = new Progbar(out, terminal && params.verbose() == 1, params.steps());
        samples = 0;
        step = 0;
    }

    @Override
    public void onTrainBatchEnd(int batch, Logs logs) {
        step = batch + 1;
        samples = Math.min(params.samples() > 0 ? params.samples() : Long.MAX_VALUE, (long) step * params.batchSize());
        bar.update(step, samples, logs, false);
    }

    @Override
    public void onEpochEnd(int epoch, Logs logs) { bar.update(step, samples, logs, true); }
}
