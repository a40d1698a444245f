package io.sparkmoe.routing.scores;

/**
 * Row-wise softmax and logsumexp over plain arrays [N, E] (one bulk pass, no per-token ND4J calls). The row
 * maximum is subtracted first, so logits of ±1e4 give finite probabilities (0 or 1) and a finite logsumexp.
 */
public final class RowSoftmax {

    private RowSoftmax() {
    }

    /** Writes softmax of each row of {@code s} into {@code p} and returns the logsumexp of each row. */
    public static double[] softmax(double[] s, int n, int e, double[] p) {
        double[] lse = new double[n];
        for (int t = 0; t < n; t++) {
            int o = t * e;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < e; j++) {
                max = Math.max(max, s[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < e; j++) {
                double v = Math.exp(s[o + j] - max);
                p[o + j] = v;
                sum += v;
            }
            for (int j = 0; j < e; j++) {
                p[o + j] /= sum;
            }
            lse[t] = max + Math.log(sum);
        }
        return lse;
    }

    /**
     * Adds the softmax backward of one row to {@code dS}: given dL/dp of row t (dense, length E), dL/ds_j =
     * p_j·(dp_j − Σ_i p_i·dp_i).
     */
    public static void addBackward(double[] p, int t, int e, double[] dp, double[] dS) {
        int o = t * e;
        double dot = 0;
        for (int j = 0; j < e; j++) {
            dot += p[o + j] * dp[j];
        }
        for (int j = 0; j < e; j++) {
            dS[o + j] += p[o + j] * (dp[j] - dot);
        }
    }
}
