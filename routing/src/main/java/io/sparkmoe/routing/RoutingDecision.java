package io.sparkmoe.routing;

import io.sparkmoe.routing.scores.Arrays2;
import io.sparkmoe.routing.stats.RoutingStatistics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a router decided for one batch of N tokens. Each token has {@code slots} (token, expert) pairs: k for
 * top-k routers, 1 for top-1 routers, E for {@code relu} and {@code expert-choice} (whose number of experts
 * per token varies); unused slots and padding tokens hold {@link #NO_EXPERT} with weight 0.
 * Arrays are row-major {@code [N, slots]} (or {@code [N, E]}) and shared, not copied: do not modify them.
 *
 * @param tokens          N
 * @param experts         E
 * @param slots           pairs per token
 * @param expertIds       expert of each pair, or {@link #NO_EXPERT}
 * @param weights         combine weight g of each pair
 * @param kept            pair survives capacity
 * @param load            pairs per expert before capacity drops
 * @param tokensPerExpert pairs per expert after capacity
 * @param capacity        the capacity applied
 * @param losses          auxiliary loss values (weighted)
 * @param probabilities   softmax(s) [N, E] (null for routers without scores)
 * @param statistics      routing statistics of this call
 * @param saved           what the router's backward needs
 */
public record RoutingDecision(int tokens, int experts, int slots, int[] expertIds, double[] weights, boolean[] kept,
                              int[] load, int[] tokensPerExpert, CapacityResult capacity, AuxLossValues losses,
                              double[] probabilities, RoutingStatistics statistics, Object saved) {

    public static final int NO_EXPERT = -1;

    public int expertId(int token, int slot) {
        return expertIds[token * slots + slot];
    }

    public double weight(int token, int slot) {
        return weights[token * slots + slot];
    }

    public boolean isKept(int token, int slot) {
        return kept[token * slots + slot];
    }

    /** Expert ids as an INT32 array [N, slots] (one bulk copy). */
    public INDArray expertIdArray() {
        INDArray a = Nd4j.createUninitialized(DataType.INT32, new long[]{tokens, slots}, 'c');
        a.data().asNioInt().put(expertIds);
        return a;
    }

    /** Weights as an array [N, slots] of the given type (the hidden states' type; one bulk copy). */
    public INDArray weightArray(DataType type) {
        return Arrays2.matrix(weights, tokens, slots, type);
    }
}
