package dev.kiln.layers;

/**
 * Keras's recurrent equations written out step by step over plain double arrays, as independent references for the
 * layers: x [B][T][C], weights in Keras's layouts, mask [B][T] (null: none). Each returns the outputs of every step in
 * processing order [B][T][U] and the last states; a masked step keeps the states and repeats the previous output.
 */
final class KerasRecurrentReference {

    /** Every step's output (processing order) and the states after the last step. */
    record Result(double[][][] outputs, double[][][] states) {}

    private KerasRecurrentReference() {}

    private static double sigmoid(double v) { return 1 / (1 + Math.exp(-v)); }

    /** row · matrix[:, from, from + n) */
    private static double[] times(double[] row, double[][] matrix, int from, int n) {
        double[] out = new double[n];
        for (int j = 0; j < n; j++) for (int k = 0; k < row.length; k++) out[j] += row[k] * matrix[k][from + j];
        return out;
    }

    private static double[] plus(double[] a, double[] b) {
        double[] out = a.clone();
        for (int j = 0; j < out.length; j++) out[j] += b[j];
        return out;
    }

    private static double[] slice(double[] v, int from, int n) { return java.util.Arrays.copyOfRange(v, from, from + n); }

    interface Step {
        /** New states from one sample's input and states. */
        double[][] apply(double[] x, double[][] states);
    }

    static Result run(double[][][] x, double[][] mask, double[][][] initialStates, boolean goBackwards, Step step) {
        int batch = x.length, steps = x[0].length;
        double[][][] outputs = new double[batch][steps][];
        double[][][] last = new double[batch][][];
        for (int b = 0; b < batch; b++) {
            double[][] states = initialStates[b];
            for (int s = 0; s < steps; s++) {
                int t = goBackwards ? steps - 1 - s : s;
                if (mask == null || mask[b][t] != 0) states = step.apply(x[b][t], states);
                outputs[b][s] = states[0].clone();
            }
            last[b] = states;
        }
        return new Result(outputs, last);
    }

    /** LSTM: z = x·W + h·R + b; i, f, o = σ; c' = f·c + i·tanh(z_c); h' = o·tanh(c'). States [h, c]. */
    static Step lstm(double[][] kernel, double[][] recurrent, double[] bias) {
        int u = recurrent.length;
        return (x, states) -> {
            double[] z = plus(times(x, kernel, 0, 4 * u), times(states[0], recurrent, 0, 4 * u));
            if (bias != null) z = plus(z, bias);
            double[] h = new double[u], c = new double[u];
            for (int j = 0; j < u; j++) {
                c[j] = sigmoid(z[u + j]) * states[1][j] + sigmoid(z[j]) * Math.tanh(z[2 * u + j]);
                h[j] = sigmoid(z[3 * u + j]) * Math.tanh(c[j]);
            }
            return new double[][] {h, c};
        };
    }

    /** GRU with Keras's gate order z, r, h; bias [2][3U] with resetAfter, [1][3U] otherwise. */
    static Step gru(double[][] kernel, double[][] recurrent, double[][] bias, boolean resetAfter) {
        int u = recurrent.length;
        return (x, states) -> {
            double[] h = states[0];
            double[] mx = times(x, kernel, 0, 3 * u);
            if (bias != null) mx = plus(mx, bias[0]);
            double[] inner = times(h, recurrent, 0, 3 * u);
            if (bias != null && resetAfter) inner = plus(inner, bias[1]);
            double[] z = new double[u], r = new double[u];
            for (int j = 0; j < u; j++) {
                z[j] = sigmoid(mx[j] + inner[j]);
                r[j] = sigmoid(mx[u + j] + inner[u + j]);
            }
            double[] reset = new double[u];
            if (resetAfter) {
                for (int j = 0; j < u; j++) reset[j] = r[j] * inner[2 * u + j];
            } else {
                double[] rh = new double[u];
                for (int j = 0; j < u; j++) rh[j] = r[j] * h[j];
                reset = times(rh, recurrent, 2 * u, u);
            }
            double[] next = new double[u];
            for (int j = 0; j < u; j++) {
                double candidate = Math.tanh(mx[2 * u + j] + reset[j]);
                next[j] = z[j] * h[j] + (1 - z[j]) * candidate;
            }
            return new double[][] {next};
        };
    }

    /** SimpleRNN: h' = tanh(x·W + b + h·R). */
    static Step simpleRnn(double[][] kernel, double[][] recurrent, double[] bias) {
        int u = recurrent.length;
        return (x, states) -> {
            double[] h = plus(times(x, kernel, 0, u), times(states[0], recurrent, 0, u));
            if (bias != null) h = plus(h, bias);
            for (int j = 0; j < u; j++) h[j] = Math.tanh(h[j]);
            return new double[][] {h};
        };
    }

    // ---- conversions ----

    static double[][][] cube(double[] flat, int a, int b, int c) {
        double[][][] out = new double[a][b][c];
        for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) for (int k = 0; k < c; k++) out[i][j][k] = flat[(i * b + j) * c + k];
        return out;
    }

    static double[][] matrix(double[] flat, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) System.arraycopy(flat, i * cols, out[i], 0, cols);
        return out;
    }

    /** Outputs [B][T][U] flattened, in processing order. */
    static double[] flatOutputs(Result result) {
        return java.util.Arrays.stream(result.outputs()).flatMap(java.util.Arrays::stream).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    /** State k of every sample, flattened [B][U]. */
    static double[] flatState(Result result, int k) {
        return java.util.Arrays.stream(result.states()).flatMapToDouble(s -> java.util.Arrays.stream(s[k])).toArray();
    }
}
