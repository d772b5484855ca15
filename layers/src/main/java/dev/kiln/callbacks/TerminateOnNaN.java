package dev.kiln.callbacks;

import dev.kiln.models.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stops training as soon as the loss is NaN or infinite, saying at which epoch and step (Keras's TerminateOnNaN). */
public final class TerminateOnNaN implements Callback {

    private static final Logger LOG = LoggerFactory.getLogger(TerminateOnNaN.class);

    private Model model;
    private int epoch;
    private String message;

    @Override
    public void setModel(Model model, TrainingParams params) { this.model = model; }

    @Override
    public void onEpochBegin(int epoch, Logs logs) { this.epoch = epoch; }

    @Override
    public void onTrainBatchEnd(int batch, Logs logs) {
        if (!logs.has("loss")) return;
        double loss = logs.get("loss");
        if (Double.isNaN(loss) || Double.isInfinite(loss)) {
            message = "Epoch " + (epoch + 1) + ", step " + (batch + 1) + ": invalid loss " + loss + ", terminating training";
            LOG.warn(message);
            model.setStopTraining(true);
        }
    }

    /** The message of the stop, or null when training was not stopped. */
    public String message() { return message; }
}
