package dev.kiln.core;

import org.nd4j.linalg.api.buffer.DataType;

/** Element types Kiln computes in. Float32 trains; float64 runs every op too and is what gradient checks use. */
public enum DType {
    FLOAT32(DataType.FLOAT),
    FLOAT64(DataType.DOUBLE),
    INT32(DataType.INT),
    INT64(DataType.LONG);

    private final DataType nd4j;

    DType(DataType nd4j) { this.nd4j = nd4j; }

    DataType nd4j() { return nd4j; }

    public boolean isFloatingPoint() { return this == FLOAT32 || this == FLOAT64; }

    static DType of(DataType type) {
        for (DType d : values()) if (d.nd4j == type) return d;
        throw new IllegalArgumentException("Kiln supports float32, float64, int32 and int64. Received: " + type);
    }

    /** The Keras name: "float32", "float64", "int32", "int64". */
    public String kerasName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
