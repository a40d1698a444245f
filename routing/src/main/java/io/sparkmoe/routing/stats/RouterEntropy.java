package io.sparkmoe.routing.stats;

/**
 * Mean router entropy over routed tokens, −Σ_e p_e·ln p_e, computed without a logarithm per entry: with
 * ln p_e = s_e − lse, the entropy of a token is {@code lse − Σ_e p_e·s_e} (one multiply-add per entry,
 * and exact where p_e underflows to 0).
 */
public final class RouterEntropy {

    private RouterEntropy() {
    }

    public static double mean(double[] s, double[] p, double[] lse, boolean[] routed, int experts) {
        double h = 0;
        int n = 0;
        for (int t = 0; t < routed.length; t++) {
            if (routed[t]) {
                n++;
                double dot = 0;
                for (int j = 0; j < experts; j++) {
                    dot += p[t * experts + j] * s[t * experts + j];
                }
                h += lse[t] - dot;
            }
        }
        return n == 0 ? 0 : h / n;
    }
}
