package dev.kiln.optim;

/** Argument checks shared by optimizer and schedule configs; each message names the argument and the value received. */
final class Check {

    private Check() {}

    static double nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0. Received: " + name + "=" + value);
        }
        return value;
    }

    static double positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number > 0. Received: " + name + "=" + value);
        }
        return value;
    }

    static long positive(String name, long value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be > 0. Received: " + name + "=" + value);
        return value;
    }

    static long nonNegative(String name, long value) {
        if (value < 0) throw new IllegalArgumentException(name + " must be >= 0. Received: " + name + "=" + value);
        return value;
    }

    /** A decay rate such as beta1 or rho: 1 would freeze the average, so the interval is half-open. */
    static double inUnitInterval(String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1). Received: " + name + "=" + value);
        }
        return value;
    }

    static double inClosedUnitInterval(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1]. Received: " + name + "=" + value);
        }
        return value;
    }
}
