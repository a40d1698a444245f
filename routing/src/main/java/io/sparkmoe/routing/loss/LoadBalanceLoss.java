package io.sparkmoe.routing.loss;

import io.sparkmoe.routing.scores.RowSoftmax;

/**
 * Load-balance loss of Switch Transformer (Fedus et al., arXiv 2101.03961, eq. 4) and GShard (Lepikhin et al.,
 * arXiv 2006.16668): {@code L = α · E · Σ_e f_e · P_e}, with f_e = count_e / (N·k) the share of (token, slot)
 * assignments that went to e (before capacity drops) and P_e = (1/N) Σ_t p_te the mean router probability.
 * Under uniform routing f_e = P_e = 1/E and L = α, its minimum for fixed f.
 *
 * <p>Gradient: f_e comes from an argmax and is treated as a constant, so only P_e carries gradient:
 * ∂L/∂p_te = α·E·f_e/N, and through the softmax ∂L/∂s_tj = p_tj·(∂L/∂p_tj − Σ_e p_te·∂L/∂p_te). Pushes
 * probability away from over-used experts. N counts non-padding tokens; N·k is the number of assignments
 * made (for variable-k routers the actual count).
 */
public final class LoadBalanceLoss implements AuxLoss {

    private final double alpha;

    public LoadBalanceLoss(double alpha) {
        this.alpha = alpha;
    }

    private double[] usageShare(LossInputs in) {
        long total = 0;
        for (int c : in.counts()) {
            total += c;
        }
        double[] f = new double[in.experts()];
        for (int e = 0; e < f.length && total > 0; e++) {
            f[e] = in.counts()[e] / (double) total;
        }
        return f;
    }

    @Override
    public double value(LossInputs in) {
        int n = in.routedTokens();
        if (n == 0) {
            return 0;
        }
        double[] f = usageShare(in);
        int e = in.experts();
        double sum = 0;
        for (int t = 0; t < in.tokens(); t++) {
            if (in.routed()[t]) {
                for (int j = 0; j < e; j++) {
                    sum += f[j] * in.probs()[t * e + j];
                }
            }
        }
        return alpha * e * sum / n;
    }

    @Override
    public void addScoreGradient(LossInputs in, double[] ds) {
        int n = in.routedTokens();
        if (n == 0) {
            return;
        }
        int e = in.experts();
        double[] dp = usageShare(in);
        for (int j = 0; j < e; j++) {
            dp[j] *= alpha * e / n;
        }
        for (int t = 0; t < in.tokens(); t++) {
            if (in.routed()[t]) {
                RowSoftmax.addBackward(in.probs(), t, e, dp, ds);
            }
        }
    }
}
