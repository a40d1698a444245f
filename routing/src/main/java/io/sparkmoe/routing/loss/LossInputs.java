package io.sparkmoe.routing.loss;

/**
 * What the auxiliary losses read from one routing call; arrays row-major [N, E].
 *
 * @param tokens     N
 * @param experts    E
 * @param scores     logits s
 * @param probs      p = softmax(s)
 * @param logSumExp  logsumexp(s) per token
 * @param routed     false for padding tokens (they count toward no loss)
 * @param counts     (token, slot) assignments per expert, before capacity drops (of the whole batch when it is split
 *                   over ranks: {@link io.sparkmoe.routing.RoutingInput#countsOverRanks})
 * @param localNode  node of each token and of each expert ({@code tokenNode[t]}, {@code expertNode[e]}); null without a placement
 */
public record LossInputs(int tokens, int experts, double[] scores, double[] probs, double[] logSumExp,
                         boolean[] routed, int[] counts, NodeMap localNode) {

    /** Node of each token and of each expert. */
    public record NodeMap(int[] tokenNode, int[] expertNode) {
    }

    public int routedTokens() {
        int n = 0;
        for (boolean r : routed) {
            n += r ? 1 : 0;
        }
        return n;
    }
}
