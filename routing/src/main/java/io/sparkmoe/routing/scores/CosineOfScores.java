package io.sparkmoe.routing.scores;

/** Cosines from dot-product scores: {@code cos = scale·s_te / (‖x_t‖·‖w_e‖)}, 0 where a norm is 0. */
final class CosineOfScores {

    private CosineOfScores() {
    }

    static double[] cosines(Scores scores, double[] tokenNorm, double[] gateNorm, double scale) {
        int n = scores.tokens();
        int e = scores.experts();
        double[] s = scores.values();
        double[] c = new double[n * e];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < e; j++) {
                double den = tokenNorm[t] * gateNorm[j];
                c[t * e + j] = den > 0 ? Math.max(-1, Math.min(1, scale * s[t * e + j] / den)) : 0;
            }
        }
        return c;
    }
}
