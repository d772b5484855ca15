package dev.kiln.callbacks;

import dev.kiln.models.Model;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the model at the end of every epoch, as Keras's {@code ModelCheckpoint}: to a path formatted from the epoch
 * (counted from 1) and the epoch's logs, {@code "ckpt-{epoch:02d}-{val_loss:.2f}.kiln"} giving
 * {@code ckpt-03-0.41.kiln}; with {@code saveBestOnly} only when {@code monitor} improved (strictly) on the best value
 * so far. The whole model is saved ({@code model.save}: architecture, weights, optimizer state), or only its weights
 * ({@code saveWeightsOnly}). Each write is atomic, so a crash while saving leaves the previous file whole.
 *
 * <p>Placeholders follow Python's {@code str.format}: {@code {name}} or {@code {name:spec}} with a format spec such as
 * {@code 02d}, {@code .2f}, {@code .3e} or {@code .1%} ([sign][0][width][.precision][type]).
 */
public final class ModelCheckpoint implements Callback {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCheckpoint.class);
    private static final Pattern FIELD = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?}");
    private static final Pattern SPEC = Pattern.compile("([+ -]?)(0?)(\\d*)(?:\\.(\\d+))?([dfFeEgG%]?)");

    /**
     * All options, Keras's defaults in {@link #ModelCheckpoint(String)}: monitor "val_loss", every epoch, the whole
     * model, mode from the monitor's name, no initial threshold (null).
     */
    public record Config(String filepath, String monitor, boolean saveBestOnly, boolean saveWeightsOnly, Mode mode,
                         Double initialValueThreshold) {
        public Config {
            if (filepath == null || filepath.isBlank()) throw new IllegalArgumentException("ModelCheckpoint needs a filepath. Received: " + filepath);
            if (monitor == null || monitor.isBlank()) throw new IllegalArgumentException("ModelCheckpoint needs a monitor. Received: " + monitor);
            if (mode == null) mode = Mode.AUTO;
        }

        public Config withSaveBestOnly(boolean s) { return new Config(filepath, monitor, s, saveWeightsOnly, mode, initialValueThreshold); }

        public Config withSaveWeightsOnly(boolean w) { return new Config(filepath, monitor, saveBestOnly, w, mode, initialValueThreshold); }

        public Config withMode(Mode m) { return new Config(filepath, monitor, saveBestOnly, saveWeightsOnly, m, initialValueThreshold); }

        public Config withInitialValueThreshold(Double t) { return new Config(filepath, monitor, saveBestOnly, saveWeightsOnly, mode, t); }
    }

    private final Config config;
    private Model model;
    private double best;   // kept across fit calls, as Keras keeps it

    /** Saves the whole model after every epoch to {@code filepath} (with placeholders). */
    public ModelCheckpoint(String filepath) { this(new Config(filepath, "val_loss", false, false, Mode.AUTO, null)); }

    /** Saves the whole model to {@code filepath}, only when {@code monitor} improved if {@code saveBestOnly}. */
    public ModelCheckpoint(String filepath, String monitor, boolean saveBestOnly) {
        this(new Config(filepath, monitor, saveBestOnly, false, Mode.AUTO, null));
    }

    public ModelCheckpoint(Config config) {
        this.config = config;
        this.best = config.initialValueThreshold() != null ? config.initialValueThreshold()
                : direction() > 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    public Config config() { return config; }

    /** The best monitored value so far (±infinity before the first improvement). */
    public double best() { return best; }

    @Override
    public void setModel(Model model, TrainingParams params) { this.model = model; }

    @Override
    public void onEpochEnd(int epoch, Logs logs) {
        Path path = Path.of(format(config.filepath(), epoch, logs));
        if (!config.saveBestOnly()) {
            save(path);
            return;
        }
        if (!logs.has(config.monitor())) {
            LOG.warn("Can save best model only with {} available, skipping. Available: {}", config.monitor(), logs.asMap().keySet());
            return;
        }
        double current = logs.get(config.monitor());
        if (direction() > 0 ? current > best : current < best) {
            LOG.info("Epoch {}: {} improved from {} to {}, saving model to {}", epoch + 1, config.monitor(), best, current, path);
            best = current;
            save(path);
        } else {
            LOG.info("Epoch {}: {} did not improve from {}", epoch + 1, config.monitor(), best);
        }
    }

    private void save(Path path) {
        if (config.saveWeightsOnly()) model.saveWeights(path);
        else model.save(path);
    }

    private int direction() { return config.mode().direction(config.monitor()); }

    /**
     * The path for {@code epoch} (from 0; {@code {epoch}} counts from 1, as Keras): each {@code {name}} or
     * {@code {name:spec}} replaced by the epoch or the logged value. An unknown name is an error that lists the known ones.
     */
    static String format(String filepath, int epoch, Logs logs) {
        Matcher m = FIELD.matcher(filepath);
        var out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            Object value;
            if (name.equals("epoch")) {
                value = epoch + 1;
            } else if (logs.has(name)) {
                value = logs.get(name);
            } else {
                List<String> known = new ArrayList<>(List.of("epoch"));
                known.addAll(logs.asMap().keySet());
                throw new IllegalArgumentException("ModelCheckpoint's filepath '" + filepath + "' names '" + name + "', which epoch "
                        + (epoch + 1) + " did not log. Available: " + known);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(formatValue(value, m.group(2), filepath)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Python's format(value, spec) for the common specs: [sign][0][width][.precision][type], type one of d f F e E g G %. */
    private static String formatValue(Object value, String spec, String filepath) {
        if (spec == null || spec.isEmpty()) return String.valueOf(value);
        Matcher s = SPEC.matcher(spec);
        if (!s.matches()) {
            throw new IllegalArgumentException("ModelCheckpoint's filepath '" + filepath + "' has the format spec '" + spec
                    + "', which Kiln does not support. Use [sign][0][width][.precision][type] with type d, f, e, g or %");
        }
        String width = s.group(3);
        String flags = s.group(1).replace("-", "") + (width.isEmpty() ? "" : s.group(2));   // Java's 0 flag needs a width
        String precision = s.group(4);
        String type = s.group(5);
        if (type.equals("d") || (type.isEmpty() && precision == null && value instanceof Integer)) {
            if (!(value instanceof Integer)) {
                throw new IllegalArgumentException("ModelCheckpoint's filepath '" + filepath + "' formats " + value + " with '" + spec
                        + "', an integer format: use a float format such as .4f");
            }
            return String.format(Locale.ROOT, "%" + flags + width + "d", value);
        }
        double number = ((Number) value).doubleValue();
        String suffix = "";
        if (type.equals("%")) {
            number *= 100;
            type = "f";
            suffix = "%";
        }
        if (type.isEmpty()) type = "g";
        return String.format(Locale.ROOT, "%" + flags + width + "." + (precision == null ? "6" : precision) + type, number) + suffix;
    }
}
