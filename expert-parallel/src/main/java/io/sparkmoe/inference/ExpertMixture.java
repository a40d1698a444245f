package io.sparkmoe.inference;

/**
 * How decentralized experts are combined at inference (MODEL.md, "Decentralized experts"): a mixture of their
 * next-token <em>probabilities</em> with the router's weights, {@code p(y) = Σ_j w_j p_j(y)}, not of their logits.
 * Computed in log space so that a weight-one expert gives exactly its own log-probability.
 */
public final class ExpertMixture {

    private ExpertMixture() {
    }

    /** {@code log softmax(logits)[target]} of one row of {@code logits}. */
    public static double logProbability(double[] logits, int target) {
        return logits[target] - logSumExp(logits);
    }

    /**
     * {@code log Σ_j w_j exp(logP[j])}: the mixture's log-probability of a token that expert {@code j} gives
     * log-probability {@code logP[j]}; experts with weight 0 are not consulted.
     */
    public static double logProbability(double[] logP, double[] weights) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                max = Math.max(max, Math.log(weights[j]) + logP[j]);
            }
        }
        double sum = 0;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                sum += Math.exp(Math.log(weights[j]) + logP[j] - max);
            }
        }
        return max + Math.log(sum);
    }

    /** The whole next-token distribution of the mixture, from each expert's logits {@code [experts][vocab]}. */
    public static double[] probabilities(double[][] logits, double[] weights) {
        int vocab = logits[0].length;
        double[] p = new double[vocab];
        for (int j = 0; j < logits.length; j++) {
            if (weights[j] == 0) {
                continue;
            }
            double lse = logSumExp(logits[j]);
            for (int v = 0; v < vocab; v++) {
                p[v] += weights[j] * Math.exp(logits[j][v] - lse);
            }
        }
        return p;
    }

    static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }
}
