package dev.kiln.metrics;

import dev.kiln.core.Tensor;
import java.util.Arrays;

/**
 * Area under the ROC or the precision-recall curve of binary predictions, computed as Keras's {@code AUC}.
 *
 * <p>Thresholds: t₀ = −ε, tᵢ = i/(N − 1) for i = 1 … N − 2, t_{N−1} = 1 + ε (N = numThresholds, default 200;
 * ε = 1e-7). At each threshold a prediction p (clipped to [0, 1]; σ(p) with fromLogits) is positive when p > tᵢ,
 * giving weighted TP, FP, TN, FN. As Keras, each prediction is counted once, in bucket max(⌈p·(N − 1)⌉ − 1, 0)
 * computed in float32, and the counts at tᵢ are sums over the buckets ≥ i.
 *
 * <p>ROC, 'interpolation' (the default): Σᵢ (FPRᵢ − FPRᵢ₊₁)·(TPRᵢ + TPRᵢ₊₁)/2 with TPR = TP/(TP + FN),
 * FPR = FP/(FP + TN). 'minoring' / 'majoring' take min / max of the two heights. PR with 'interpolation' follows
 * Davis and Goadrich (2006) as Keras: between thresholds, TP and P = TP + FP vary linearly, and each interval adds
 * slope·(ΔTP + intercept·log(Pᵢ/Pᵢ₊₁)) / (TPᵢ₊₁ + FNᵢ₊₁), with slope = ΔTP/ΔP, intercept = TPᵢ₊₁ − slope·Pᵢ₊₁.
 * PR with 'minoring' / 'majoring' sums precision over recall as ROC does.
 *
 * <p>Every element of the predictions is one decision (Keras's multi_label=False). Shapes: yPred [B, 1]; yTrue the
 * same or [B]; a label is positive when it is not 0.
 */
public final class AUC extends Metric {

    private static final double EPSILON = 1e-7;

    /** The curve whose area is computed. */
    public enum Curve { ROC, PR }

    /** How the area between two thresholds is summed (a Riemann sum). */
    public enum SummationMethod { INTERPOLATION, MINORING, MAJORING }

    private final int numThresholds;
    private final Curve curve;
    private final SummationMethod summationMethod;
    private final boolean fromLogits;
    private final double[] positives;   // weighted positive labels per bucket
    private final double[] negatives;   // weighted negative labels per bucket

    public AUC() { this(Curve.ROC); }

    public AUC(Curve curve) { this(200, curve, SummationMethod.INTERPOLATION, false); }

    public AUC(int numThresholds, Curve curve, SummationMethod summationMethod, boolean fromLogits) {
        super("auc");
        if (numThresholds <= 1) {
            throw new IllegalArgumentException("numThresholds must be an integer > 1. Received: numThresholds=" + numThresholds);
        }
        this.numThresholds = numThresholds;
        this.curve = curve;
        this.summationMethod = summationMethod;
        this.fromLogits = fromLogits;
        this.positives = new double[numThresholds];
        this.negatives = new double[numThresholds];
    }

    public int numThresholds() { return numThresholds; }

    public Curve curve() { return curve; }

    public SummationMethod summationMethod() { return summationMethod; }

    public boolean fromLogits() { return fromLogits; }

    /** The N thresholds: −ε, 1/(N − 1), …, (N − 2)/(N − 1), 1 + ε. */
    public double[] thresholds() {
        double[] t = new double[numThresholds];
        for (int i = 1; i < numThresholds - 1; i++) t[i] = i / (double) (numThresholds - 1);
        t[0] = -EPSILON;
        t[numThresholds - 1] = 1 + EPSILON;
        return t;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        var batch = Host.pair(displayName(), yTrue, yPred);
        double[] labels = batch.labels();
        double[] predictions = batch.predictions();
        double[] weights = Host.elementWeights(displayName(), sampleWeight, predictions.length, batch.batch());
        float scale = numThresholds - 1;
        for (int i = 0; i < predictions.length; i++) {
            double p = fromLogits ? 1 / (1 + Math.exp(-predictions[i])) : predictions[i];
            float clipped = (float) Math.min(Math.max(p, 0), 1);   // Keras's metric variables are float32
            int bucket = Math.max((int) Math.ceil(clipped * scale) - 1, 0);
            double w = weights == null ? 1 : weights[i];
            if (labels[i] != 0) positives[bucket] += w;
            else negatives[bucket] += w;
        }
    }

    @Override
    public double result() {
        int n = numThresholds;
        double[] tp = new double[n];
        double[] fp = new double[n];
        for (int i = n - 1; i >= 0; i--) {                     // a prediction in bucket b is above thresholds 0 … b
            tp[i] = positives[i] + (i + 1 < n ? tp[i + 1] : 0);
            fp[i] = negatives[i] + (i + 1 < n ? fp[i + 1] : 0);
        }
        double[] fn = new double[n];
        double[] tn = new double[n];
        for (int i = 0; i < n; i++) {
            fn[i] = tp[0] - tp[i];
            tn[i] = fp[0] - fp[i];
        }
        if (curve == Curve.PR && summationMethod == SummationMethod.INTERPOLATION) return interpolatedPrAuc(tp, fp, fn);
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double recall = Host.divideNoNan(tp[i], tp[i] + fn[i]);
            x[i] = curve == Curve.ROC ? Host.divideNoNan(fp[i], fp[i] + tn[i]) : recall;
            y[i] = curve == Curve.ROC ? recall : Host.divideNoNan(tp[i], tp[i] + fp[i]);
        }
        double area = 0;
        for (int i = 0; i < n - 1; i++) {
            double height = switch (summationMethod) {
                case INTERPOLATION -> (y[i] + y[i + 1]) / 2;
                case MINORING -> Math.min(y[i], y[i + 1]);
                case MAJORING -> Math.max(y[i], y[i + 1]);
            };
            area += (x[i] - x[i + 1]) * height;
        }
        return area;
    }

    /** Keras's interpolate_pr_auc: the precision-recall area with TP and predicted positives interpolated linearly. */
    private double interpolatedPrAuc(double[] tp, double[] fp, double[] fn) {
        double area = 0;
        for (int i = 0; i < numThresholds - 1; i++) {
            double dtp = tp[i] - tp[i + 1];
            double p0 = tp[i] + fp[i];
            double p1 = tp[i + 1] + fp[i + 1];
            double slope = Host.divideNoNan(dtp, Math.max(p0 - p1, 0));
            double intercept = tp[i + 1] - slope * p1;
            double ratio = p0 > 0 && p1 > 0 ? Host.divideNoNan(p0, Math.max(p1, 0)) : 1;
            area += Host.divideNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1] + fn[i + 1], 0));
        }
        return area;
    }

    @Override
    public void reset() {
        Arrays.fill(positives, 0);
        Arrays.fill(negatives, 0);
    }
}
