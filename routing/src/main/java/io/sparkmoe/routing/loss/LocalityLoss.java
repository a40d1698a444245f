package io.sparkmoe.routing.loss;

/**
 * LocMoE's locality loss (Li et al., arXiv 2401.13920), in MODEL.md's reading:
 * {@code L = μ · mean_t KL(D_local,t ‖ p_t)} where D_local,t is uniform over the m_t experts on token t's own
 * node, every other expert gets 1e-9, and the whole is renormalised (so KL stays finite). Tokens whose node
 * hosts no expert are skipped, and the mean runs over the remaining tokens.
 *
 * <p>Derivation: KL(D‖p) = Σ_e D_e·log D_e − Σ_e D_e·log p_e, and log p_e = s_e − logsumexp(s), so
 * ∂KL/∂s_j = −D_j + p_j·Σ_e D_e = p_j − D_j (D sums to 1). Hence ∂L/∂s_tj = μ·(p_tj − D_tj)/N_local:
 * probability moves toward the local experts without forbidding remote ones.
 */
public final class LocalityLoss implements AuxLoss {

    static final double SMOOTHING = 1e-9;

    private final double mu;

    public LocalityLoss(double mu) {
        this.mu = mu;
    }

    /** Local experts on token t's node, or 0. */
    private static int localExperts(LossInputs in, int t) {
        int node = in.localNode().tokenNode()[t];
        int m = 0;
        for (int en : in.localNode().expertNode()) {
            m += en == node ? 1 : 0;
        }
        return m;
    }

    /** Fills D for token t; returns false when the token is skipped. */
    private static boolean target(LossInputs in, int t, double[] d) {
        int m = localExperts(in, t);
        if (!in.routed()[t] || m == 0) {
            return false;
        }
        int node = in.localNode().tokenNode()[t];
        int e = in.experts();
        double z = 1.0 + (e - m) * SMOOTHING;
        for (int j = 0; j < e; j++) {
            d[j] = (in.localNode().expertNode()[j] == node ? 1.0 / m : SMOOTHING) / z;
        }
        return true;
    }

    private void requirePlacement(LossInputs in) {
        if (in.localNode() == null) {
            throw new IllegalArgumentException("the locality loss needs the expert placement and each token's rank"
                    + " in the routing input");
        }
    }

    @Override
    public double value(LossInputs in) {
        requirePlacement(in);
        int e = in.experts();
        double[] d = new double[e];
        double sum = 0;
        int counted = 0;
        for (int t = 0; t < in.tokens(); t++) {
            if (target(in, t, d)) {
                counted++;
                for (int j = 0; j < e; j++) {
                    double logP = in.scores()[t * e + j] - in.logSumExp()[t];
                    sum += d[j] * (Math.log(d[j]) - logP);
                }
            }
        }
        return counted == 0 ? 0 : mu * sum / counted;
    }

    @Override
    public void addScoreGradient(LossInputs in, double[] ds) {
        requirePlacement(in);
        int e = in.experts();
        double[] d = new double[e];
        int counted = 0;
        for (int t = 0; t < in.tokens(); t++) {
            counted += target(in, t, d) ? 1 : 0;
        }
        for (int t = 0; t < in.tokens(); t++) {
            if (target(in, t, d)) {
                for (int j = 0; j < e; j++) {
                    ds[t * e + j] += mu * (in.probs()[t * e + j] - d[j]) / counted;
                }
            }
        }
    }
}
