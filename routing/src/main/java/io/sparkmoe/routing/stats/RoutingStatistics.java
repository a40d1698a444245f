package io.sparkmoe.routing.stats;

import java.util.OptionalDouble;

/**
 * Routing statistics of one call (MODEL.md, "Routing statistics"). Balance figures are computed on the
 * load <em>before</em> capacity drops (drops would hide an imbalance); locality shares on the kept pairs
 * (those are what the dispatch moves).
 *
 * @param load              (token, slot) assignments per expert, before drops
 * @param tokensPerExpert   kept pairs per expert
 * @param maxOverMean       max_e load / mean_e load (1 = perfectly balanced)
 * @param coefficientOfVariation population standard deviation of the load over its mean
 * @param droppedPairs      pairs dropped by capacity
 * @param entropy           mean over routed tokens of −Σ_e p_e·ln p_e (empty for routers without probabilities)
 * @param sameRank          share of kept pairs whose expert is on the token's own rank (empty without placement)
 * @param sameNode          share on another rank of the token's own node
 * @param otherNode         share on other nodes
 * @param dispatchBytes     bytes the dispatch moves to the same rank, the same node and other nodes
 *                          ({@code [3]}; empty without placement): one hidden vector (d elements of the input's
 *                          type) per kept pair, i.e. without merging a token's pairs that go to the same rank —
 *                          an upper bound for a dispatch that sends each token once per destination rank
 */
public record RoutingStatistics(int[] load, int[] tokensPerExpert, double maxOverMean, double coefficientOfVariation,
                                int droppedPairs, OptionalDouble entropy, OptionalDouble sameRank,
                                OptionalDouble sameNode, OptionalDouble otherNode, long[] dispatchBytes) {
}
