package dev.kiln.core;

/** Padding of convolutions and pooling, as Keras: "valid", "same" (extra pad on the right) and "causal". */
public enum Padding {
    VALID, SAME, CAUSAL;

    /** ND4J's padding-mode argument: 0 valid, 1 same, 2 causal. */
    long nd4jMode() { return ordinal(); }

    public String kerasName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Padding byName(String name) {
        for (Padding p : values()) if (p.kerasName().equals(name.toLowerCase(java.util.Locale.ROOT))) return p;
        throw new IllegalArgumentException("Unknown padding '" + name + "'. Expected one of: valid, same, causal");
    }

    /** Output length of a window of {@code window} (dilated extent) moving by {@code stride} over {@code length}. */
    public long outputLength(long length, long window, long stride) {
        if (length == Shape.UNKNOWN) return Shape.UNKNOWN;
        return switch (this) {
            case VALID -> length < window ? 0 : (length - window) / stride + 1;
            case SAME, CAUSAL -> (length + stride - 1) / stride;
        };
    }
}
