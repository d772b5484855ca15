package dev.kiln.callbacks;

/**
 * Whether a monitored value should go down ({@code MIN}) or up ({@code MAX}); {@code AUTO} infers it from the name as
 * Keras does: accuracy-like and AUC-like names go up, everything else (losses) goes down.
 */
public enum Mode {
    AUTO, MIN, MAX;

    int direction(String monitor) {
        return switch (this) {
            case MIN -> -1;
            case MAX -> 1;
            case AUTO -> {
                String m = monitor.startsWith("val_") ? monitor.substring(4) : monitor;
                yield m.contains("acc") || m.startsWith("auc") || m.startsWith("f1") || m.startsWith("precision")
                        || m.startsWith("recall") ? 1 : -1;
            }
        };
    }
}
