package dev.kiln.metrics;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.Arrays;

/** Reads a batch to the host with Keras's shape rules, and the small loops the metrics share. */
final class Host {

    private Host() {}

    /** Labels and predictions paired element by element, and the predictions' shape after alignment. */
    record Paired(double[] labels, double[] predictions, Shape shape) {
        int batch() { return (int) shape.get(0); }
    }

    /**
     * Pairs labels with predictions after Keras's squeeze_or_expand_to_same_rank: [B] labels go with [B, 1]
     * predictions, [B, T] labels with [B, T, 1]. Rank-1 predictions count as [B, 1].
     */
    static Paired pair(String metric, Tensor yTrue, Tensor yPred) {
        checkBatch(metric, yTrue, yPred);
        long[] t = yTrue.shape().dims();
        long[] p = yPred.shape().dims();
        long[] aligned;
        if (Arrays.equals(t, p)) {
            aligned = p;
        } else if (withTrailingOne(t, p)) {
            aligned = p.length == 1 ? t : p;      // [B, 1] labels with [B] predictions: both [B, 1]; [B, T, 1] with [B, T]: [B, T]
        } else if (withTrailingOne(p, t)) {
            aligned = t.length == 1 ? p : t;
        } else {
            throw new IllegalArgumentException(metric + " expects labels of the predictions' shape " + yPred.shape()
                    + ". Received labels " + yTrue.shape());
        }
        if (aligned.length == 1) aligned = new long[] {aligned[0], 1};
        return new Paired(yTrue.toDoubleArray(), yPred.toDoubleArray(), Shape.of(aligned));
    }

    /** True when {@code longer} is {@code shorter} with an axis of 1 appended. */
    private static boolean withTrailingOne(long[] longer, long[] shorter) {
        return longer.length == shorter.length + 1 && longer[shorter.length] == 1 && Arrays.equals(Arrays.copyOf(longer, shorter.length), shorter);
    }

    static void checkBatch(String metric, Tensor yTrue, Tensor yPred) {
        if (yPred.rank() == 0 || yTrue.rank() == 0 || yTrue.size(0) != yPred.size(0)) {
            throw new IllegalArgumentException(metric + ": labels and predictions must have the same batch size. Received yTrue "
                    + yTrue.shape() + " and yPred " + yPred.shape());
        }
    }

    /**
     * One weight per element of a batch of {@code elements} predictions: null without weights; a scalar for all;
     * one weight per sample ([B] or [B, 1]) repeated over that sample's elements; or one per element.
     */
    static double[] elementWeights(String metric, Tensor sampleWeight, int elements, int batch) {
        if (sampleWeight == null) return null;
        double[] w = sampleWeight.toDoubleArray();
        if (w.length == elements) return w;
        double[] expanded = new double[elements];
        if (sampleWeight.rank() == 0 || w.length == 1) {
            Arrays.fill(expanded, w[0]);
        } else if (w.length == batch && sampleWeight.size(0) == batch) {
            int perSample = elements / batch;
            for (int i = 0; i < elements; i++) expanded[i] = w[i / perSample];
        } else {
            throw new IllegalArgumentException(metric + ": sample weights of shape " + sampleWeight.shape() + " do not fit a batch of "
                    + batch + " samples with " + elements + " predictions. Expected a scalar, [" + batch + "], [" + batch
                    + ", 1] or one weight per prediction");
        }
        return expanded;
    }

    /** The index of the largest value in each row of {@code width} values; the first one on ties, as argmax. */
    static int[] argmaxRows(double[] values, int width) {
        int[] result = new int[values.length / width];
        for (int row = 0; row < result.length; row++) {
            int best = 0;
            for (int k = 1; k < width; k++) if (values[row * width + k] > values[row * width + best]) best = k;
            result[row] = best;
        }
        return result;
    }

    /**
     * Class-index labels for predictions [..., K]: labels of the predictions' shape without its last axis, or with
     * a trailing 1 ([B] or [B, 1] for [B, K]).
     */
    static double[] classIndexLabels(String metric, Tensor yTrue, Tensor yPred) {
        checkBatch(metric, yTrue, yPred);
        Shape ps = yPred.shape();
        if (ps.rank() < 2) {
            throw new IllegalArgumentException(metric + " expects predictions [batch, classes] with one value per class. Received " + ps);
        }
        Shape outer = Shape.of(Arrays.copyOf(ps.dims(), ps.rank() - 1));
        if (!yTrue.shape().equals(outer) && !yTrue.shape().equals(outer.append(1))) {
            throw new IllegalArgumentException(metric + " expects one class index per sample: labels of shape " + outer + " or "
                    + outer.append(1) + " for predictions " + ps + ". Received labels " + yTrue.shape());
        }
        return yTrue.toDoubleArray();
    }

    /** One-hot (or soft) labels, which must have the predictions' shape [..., K]. */
    static double[] oneHotLabels(String metric, Tensor yTrue, Tensor yPred) {
        checkBatch(metric, yTrue, yPred);
        if (yPred.rank() < 2 || !yTrue.shape().equals(yPred.shape())) {
            throw new IllegalArgumentException(metric + " expects one-hot labels of the predictions' shape " + yPred.shape()
                    + ". Received labels " + yTrue.shape() + "; for class indices use the Sparse variant");
        }
        return yTrue.toDoubleArray();
    }

    /** a / b, or 0 when b is 0: Keras's divide_no_nan. */
    static double divideNoNan(double a, double b) { return b == 0 ? 0 : a / b; }
}
