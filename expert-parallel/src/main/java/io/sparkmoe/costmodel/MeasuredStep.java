package io.sparkmoe.costmodel;

/**
 * One measured expert-parallel run, as the locality benchmark reports it: the setting, and per rank and step the
 * medians of what the cost model predicts. The calibration input of {@link Calibration}.
 *
 * @param router               the router's name (topk, switch, hash, grap, locmoe, group-limit, ...)
 * @param k                    slots per token
 * @param nodeLimit            the group limit m, 0 = none
 * @param localityAware        the router pulls toward the node (locality loss or grap): its λ is fitted, not predicted
 * @param nodes                emulated nodes
 * @param ranksPerNode         ranks per node
 * @param expertsPerRank       routed experts per rank
 * @param hidden               d
 * @param moeLayers            MoE layers
 * @param tokensPerRank        tokens each rank routed per step
 * @param replicatedParams     parameters every rank replicates
 * @param averagingEvery       1 = all-reduce every step
 * @param interNode            the emulated link between nodes (the tc rate and delay)
 * @param intraNode            between ranks of a node (measured loopback)
 * @param computeSeconds       median compute per step
 * @param exchangeSeconds      median time in the MoE exchange per step (waiting included)
 * @param replicaSeconds       median time keeping replicas equal per step
 * @param remoteBytesPerToken  remote bytes per routed token per step, all MoE layers
 */
public record MeasuredStep(String router, int k, int nodeLimit, boolean localityAware, int nodes, int ranksPerNode,
                           int expertsPerRank, int hidden, int moeLayers, long tokensPerRank, long replicatedParams,
                           int averagingEvery, Link interNode, Link intraNode, double computeSeconds,
                           double exchangeSeconds, double replicaSeconds, double remoteBytesPerToken) {

    public double stepSeconds() {
        return computeSeconds + exchangeSeconds + replicaSeconds;
    }
}
