package io.sparkmoe.routing.loss;

/**
 * Router z-loss of ST-MoE (Zoph et al., arXiv 2202.08906, eq. 5): {@code L = β · (1/N) Σ_t (logsumexp_e s_te)²}.
 * Keeps the logits small, so the softmax stays in a range where float round-off is harmless.
 *
 * <p>Gradient: ∂ logsumexp(s_t)/∂s_tj = p_tj, so ∂L/∂s_tj = 2β·lse_t·p_tj / N.
 */
public final class ZLoss implements AuxLoss {

    private final double beta;

    public ZLoss(double beta) {
        this.beta = beta;
    }

    @Override
    public double value(LossInputs in) {
        int n = in.routedTokens();
        double sum = 0;
        for (int t = 0; t < in.tokens(); t++) {
            if (in.routed()[t]) {
                sum += in.logSumExp()[t] * in.logSumExp()[t];
            }
        }
        return n == 0 ? 0 : beta * sum / n;
    }

    @Override
    public void addScoreGradient(LossInputs in, double[] ds) {
        int n = in.routedTokens();
        int e = in.experts();
        for (int t = 0; t < in.tokens(); t++) {
            if (in.routed()[t]) {
                double c = 2 * beta * in.logSumExp()[t] / n;
                for (int j = 0; j < e; j++) {
                    ds[t * e + j] += c * in.probs()[t * e + j];
                }
            }
        }
    }
}
