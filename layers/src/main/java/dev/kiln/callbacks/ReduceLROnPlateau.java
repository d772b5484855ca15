package dev.kiln.callbacks;

import dev.kiln.models.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multiplies the learning rate by {@code factor} when a monitored value has not improved for {@code patience}
 * epochs, then waits {@code cooldown} epochs, never going below {@code minLr} (Keras's ReduceLROnPlateau; defaults
 * monitor "val_loss", factor 0.1, patience 10, minDelta 1e-4, cooldown 0, minLr 0). The new rate is logged as "learning_rate".
 */
public final class ReduceLROnPlateau implements Callback {

    private static final Logger LOG = LoggerFactory.getLogger(ReduceLROnPlateau.class);

    public record Config(String monitor, double factor, int patience, Mode mode, double minDelta, int cooldown, double minLr) {
        public Config {
            if (factor >= 1 || factor <= 0) throw new IllegalArgumentException("factor must be in (0, 1). Received: factor=" + factor);
            if (patience < 0) throw new IllegalArgumentException("patience must be >= 0. Received: patience=" + patience);
            if (cooldown < 0) throw new IllegalArgumentException("cooldown must be >= 0. Received: cooldown=" + cooldown);
            if (minLr < 0) throw new IllegalArgumentException("minLr must be >= 0. Received: minLr=" + minLr);
        }
    }

    private final Config config;
    private Model model;
    private double best;
    private int wait;
    private int cooldownCounter;

    public ReduceLROnPlateau() { this("val_loss", 0.1, 10); }

    public ReduceLROnPlateau(String monitor, double factor, int patience) {
        this(new Config(monitor, factor, patience, Mode.AUTO, 1e-4, 0, 0));
    }

    public ReduceLROnPlateau(Config config) { this.config = config; }

    @Override
    public void setModel(Model model, TrainingParams params) { this.model = model; }

    @Override
    public void onTrainBegin(Logs logs) {
        best = direction() > 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        wait = 0;
        cooldownCounter = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Logs logs) {
        logs.put("learning_rate", model.optimizer().learningRate());
        if (!logs.has(config.monitor())) {
            LOG.warn("ReduceLROnPlateau conditioned on '{}', which is not available. Available: {}", config.monitor(), logs.asMap().keySet());
            return;
        }
        double current = logs.get(config.monitor());
        if (cooldownCounter > 0) {
            cooldownCounter--;
            wait = 0;
        }
        boolean better = direction() > 0 ? current > best + config.minDelta() : current < best - config.minDelta();
        if (better) {
            best = current;
            wait = 0;
        } else if (cooldownCounter <= 0 && ++wait >= config.patience()) {
            double old = model.optimizer().learningRate();
            if (old > config.minLr()) {
                double reduced = Math.max(old * config.factor(), config.minLr());
                model.optimizer().setLearningRate(reduced);
                LOG.info("Epoch {}: ReduceLROnPlateau reducing learning rate to {}.", epoch + 1, reduced);
                cooldownCounter = config.cooldown();
                wait = 0;
            }
        }
    }

    private int direction() { return config.mode().direction(config.monitor()); }
}
