package dev.kiln.callbacks;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Renders Keras's progress line: {@code 123/625 ━━━━━━━━━━──────── 2s 4ms/step - 8,000 samples/s - loss: 0.4812}.
 * Interactive output redraws one line with a carriage return; otherwise only the final line of each bar is printed.
 */
public final class Progbar {

    private static final int WIDTH = 20;

    private final PrintStream out;
    private final boolean interactive;
    private final int target;          // total steps, or 0 when unknown
    private final long start = System.nanoTime();
    private long lastDraw;

    public Progbar(PrintStream out, boolean interactive, int target) {
        this.out = out;
        this.interactive = interactive;
        this.target = target;
    }

    /** Draws step {@code current} (1-based) with {@code samples} seen so far and the running values. */
    public void update(int current, long samples, Logs values, boolean finalize) {
        long now = System.nanoTime();
        if (!finalize && (!interactive || now - lastDraw < 50_000_000L)) return;   // at most 20 redraws a second
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        var line = new StringBuilder();
        int digits = Integer.toString(Math.max(target, current)).length();
        line.append(String.format(Locale.ROOT, "%" + digits + "d/%s ", current, target > 0 ? Integer.toString(target) : "Unknown"));
        if (target > 0) {
            int filled = (int) Math.round(WIDTH * Math.min(1.0, (double) current / target));
            line.append("━".repeat(filled)).append("─".repeat(WIDTH - filled)).append(' ');
        }
        double perStep = current > 0 ? elapsed / current : 0;
        if (finalize || target == 0) {
            line.append(formatDuration(elapsed)).append(' ').append(formatPerStep(perStep));
        } else {
            line.append("ETA ").append(formatDuration(perStep * (target - current)));
        }
        if (elapsed > 0 && samples > 0) line.append(String.format(Locale.ROOT, " - %,.0f samples/s", samples / elapsed));
        values.forEach((name, value) -> line.append(" - ").append(name).append(": ").append(formatValue(value)));
        if (interactive) {
            out.print("\r" + line + "\u001b[K");
            if (finalize) out.println();
        } else if (finalize) {
            out.println(line);
        }
        out.flush();
    }

    private static String formatDuration(double seconds) {
        if (seconds >= 3600) return String.format(Locale.ROOT, "%d:%02d:%02d", (long) seconds / 3600, ((long) seconds % 3600) / 60, (long) seconds % 60);
        if (seconds >= 60) return String.format(Locale.ROOT, "%d:%02d", (long) seconds / 60, (long) seconds % 60);
        return String.format(Locale.ROOT, "%ds", Math.round(seconds));
    }

    private static String formatPerStep(double seconds) {
        if (seconds >= 1) return String.format(Locale.ROOT, "%.0fs/step", seconds);
        if (seconds >= 1e-3) return String.format(Locale.ROOT, "%.0fms/step", seconds * 1e3);
        return String.format(Locale.ROOT, "%.0fus/step", seconds * 1e6);
    }

    private static String formatValue(double value) {
        return Math.abs(value) >= 1e-3 || value == 0 ? String.format(Locale.ROOT, "%.4f", value) : String.format(Locale.ROOT, "%.4e", value);
    }
}
