package io.sparkmoe.costmodel;

import io.sparkmoe.exchange.TrafficClass;

/**
 * Fits the pull toward the own node (λ of a {@link RoutingPattern#localBiased} pattern) to a measured run: the λ
 * whose sampled routing sends as many remote bytes per token as the run did. A locality-aware router's pull comes
 * from training (the locality loss, the grap gate), so it is measured on the emulated cluster and carried to larger
 * ones as λ: "a share λ of the slots stays on the node whatever the node count, the rest spreads uniformly".
 * The remote bytes fall monotonically in λ (common random numbers), so bisection finds it.
 */
public final class LocalityFit {

    private LocalityFit() {
    }

    /**
     * @param measuredRemoteBytesPerToken remote bytes per token, one MoE layer's whole step (plan, four row
     *                                    collectives, gate gradients), as the run counted them
     */
    public static double lambda(StepCostModel model, ClusterSpec measuredCluster, ModelShape shape, int k,
                                double measuredRemoteBytesPerToken) {
        double width = shape.hidden() * shape.bytesPerValue() / 4.0;
        double lo = 0;
        double hi = 1;
        for (int i = 0; i < 30; i++) {
            double mid = (lo + hi) / 2;
            double remote = StepCostModel.perToken(
                    model.sample(measuredCluster, shape, RoutingPattern.localBiased("fit", k, mid)),
                    TrafficClass.REMOTE, width);
            if (remote > measuredRemoteBytesPerToken) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }
}
