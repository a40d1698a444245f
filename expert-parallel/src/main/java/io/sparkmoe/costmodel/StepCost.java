package io.sparkmoe.costmodel;

/**
 * One projected (or measured) training step of one rank.
 *
 * @param computeSeconds         the model's FLOPs at the rank's sustained rate
 * @param exchangeSeconds        the MoE layers' all-to-alls (dispatch, combine and their backwards, plans)
 * @param replicaSeconds         keeping the replicated parameters equal (all-reduce, or averaging ÷ its interval)
 * @param remoteBytesPerToken    bytes per routed token that cross nodes, all MoE layers, per step
 * @param sameNodeBytesPerToken  bytes per token between ranks of one node
 */
public record StepCost(double computeSeconds, double exchangeSeconds, double replicaSeconds,
                       double remoteBytesPerToken, double sameNodeBytesPerToken) {

    public double stepSeconds() {
        return computeSeconds + exchangeSeconds + replicaSeconds;
    }

    /** Share of the step spent moving tokens. */
    public double exchangeShare() {
        return exchangeSeconds / stepSeconds();
    }
}
