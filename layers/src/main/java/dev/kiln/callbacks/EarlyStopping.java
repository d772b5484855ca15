package dev.kiln.callbacks;

import dev.kiln.core.Tensor;
import dev.kiln.models.Model;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops training when a monitored value has stopped improving, as Keras's {@code EarlyStopping}: after
 * {@code patience} epochs without an improvement larger than {@code minDelta}. Epochs before {@code startFromEpoch}
 * are not counted. With {@code restoreBestWeights}, the best epoch's weights are restored when training ends,
 * whether it stopped early or ran all its epochs (Keras 3; Keras 2 restored only on an early stop).
 */
public final class EarlyStopping implements Callback {

    private static final Logger LOG = LoggerFactory.getLogger(EarlyStopping.class);

    /** All options, with Keras's defaults in {@link #EarlyStopping(String, int)}. */
    public record Config(String monitor, double minDelta, int patience, Mode mode, boolean restoreBestWeights, int startFromEpoch,
                         Double baseline) {
        public Config {
            if (patience < 0) throw new IllegalArgumentException("patience must be >= 0. Received: patience=" + patience);
            if (startFromEpoch < 0) throw new IllegalArgumentException("startFromEpoch must be >= 0. Received: " + startFromEpoch);
            minDelta = Math.abs(minDelta);
        }

        public Config withMinDelta(double d) { return new Config(monitor, d, patience, mode, restoreBestWeights, startFromEpoch, baseline); }

        public Config withMode(Mode m) { return new Config(monitor, minDelta, patience, m, restoreBestWeights, startFromEpoch, baseline); }

        public Config withRestoreBestWeights(boolean r) { return new Config(monitor, minDelta, patience, mode, r, startFromEpoch, baseline); }

        public Config withStartFromEpoch(int e) { return new Config(monitor, minDelta, patience, mode, restoreBestWeights, e, baseline); }

        public Config withBaseline(Double b) { return new Config(monitor, minDelta, patience, mode, restoreBestWeights, startFromEpoch, b); }
    }

    private final Config config;
    private Model model;
    private int wait;
    private int bestEpoch;
    private int stoppedEpoch;
    private double best;
    private List<Tensor> bestWeights;

    /** Monitors {@code monitor} ("val_loss") with {@code patience} epochs; Keras's defaults otherwise (no restoring). */
    public EarlyStopping(String monitor, int patience) { this(monitor, patience, false); }

    /** Monitors {@code monitor} with {@code patience} epochs and, if asked, restores the best epoch's weights. */
    public EarlyStopping(String monitor, int patience, boolean restoreBestWeights) {
        this(new Config(monitor, 0, patience, Mode.AUTO, restoreBestWeights, 0, null));
    }

    public EarlyStopping(Config config) { this.config = config; }

    public Config config() { return config; }

    @Override
    public void setModel(Model model, TrainingParams params) { this.model = model; }

    @Override
    public void onTrainBegin(Logs logs) {
        wait = 0;
        stoppedEpoch = 0;
        bestEpoch = 0;
        best = config.baseline() != null ? config.baseline() : direction() > 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(int epoch, Logs logs) {
        if (!logs.has(config.monitor())) {
            LOG.warn("Early stopping conditioned on '{}', which is not available. Available: {}", config.monitor(), logs.asMap().keySet());
            return;
        }
        if (epoch < config.startFromEpoch()) return;
        double current = logs.get(config.monitor());
        if (config.restoreBestWeights() && bestWeights == null) bestWeights = snapshot();   // at least the first epoch's
        wait++;
        if (improves(current, best)) {
            best = current;
            bestEpoch = epoch;
            if (config.restoreBestWeights()) bestWeights = snapshot();
            if (config.baseline() == null || improves(current, config.baseline())) wait = 0;
            return;
        }
        if (wait >= config.patience() && epoch > 0) {
            stoppedEpoch = epoch;
            model.setStopTraining(true);
        }
    }

    @Override
    public void onTrainEnd(Logs logs) {
        if (stoppedEpoch > 0) LOG.info("Epoch {}: early stopping", stoppedEpoch + 1);
        if (config.restoreBestWeights() && bestWeights != null) {
            LOG.info("Restoring model weights from the end of the best epoch: {}.", bestEpoch + 1);
            List<Tensor> weights = model.weights();
            for (int i = 0; i < weights.size(); i++) weights.get(i).assign(bestWeights.get(i));
        }
    }

    /** The epoch (from 0) whose value was the best, and the epoch training stopped at (0 if it did not stop). */
    public int bestEpoch() { return bestEpoch; }

    public int stoppedEpoch() { return stoppedEpoch; }

    private List<Tensor> snapshot() { return model.weights().stream().map(Tensor::copy).toList(); }

    private boolean improves(double current, double reference) {
        return direction() > 0 ? current - config.minDelta() > reference : current + config.minDelta() < reference;
    }

    /** +1 when larger is better, −1 when smaller is better. */
    private int direction() { return config.mode().direction(config.monitor()); }
}
