package dev.kiln.losses;

import dev.kiln.core.Tensor;

/** Cheap label checks: one pass for the smallest and largest label. */
final class Labels {

    /** Above this many labels, a float tensor's range is found by two native reductions instead of a host copy. */
    private static final long HOST_LIMIT = 4096;

    private Labels() {}

    /** {min, max} of the labels; both NaN when a label is NaN. */
    static double[] range(Tensor labels) {
        if (labels.shape().size() > HOST_LIMIT && labels.dtype().isFloatingPoint()) {
            double max = labels.max().item();
            double min = -labels.neg().max().item();
            return new double[] {min, max};
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : labels.toDoubleArray()) {
            if (Double.isNaN(v)) return new double[] {Double.NaN, Double.NaN};
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new double[] {min, max};
    }

    /** 0 and 1 as "0" and "1", other bounds as Java prints them. */
    static String format(double bound) {
        return bound == Math.rint(bound) && Math.abs(bound) < 1e15 ? Long.toString((long) bound) : Double.toString(bound);
    }
}
