package io.sparkmoe.routing;

import java.util.Optional;
import java.util.function.UnaryOperator;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a router reads for one call: hidden states {@code x [N, d]} (float32 or float64), and optionally
 * the token ids (for {@code hash}), the padding mask (padding is not routed and counts toward nothing),
 * the expert placement with each token's rank (for locality), and whether this is a training call
 * ({@code base} and {@code expert-choice} behave differently at evaluation).
 *
 * @param x          hidden states [N, d], row-major
 * @param tokenIds   vocabulary id of each token, length N
 * @param padding    true for padding positions, length N; empty = no padding
 * @param placement  experts' ranks and nodes
 * @param tokenRank  rank holding each token, length N (required with a placement)
 * @param training   training call (true) or evaluation
 * @param countsOverRanks when the batch is split over ranks: per-expert assignment counts → their sum over every
 *                   rank (a collective the caller provides), so the load-balance loss's f_e is the whole batch's;
 *                   empty = this call's tokens are the batch
 */
public record RoutingInput(INDArray x, Optional<int[]> tokenIds, Optional<boolean[]> padding,
                           Optional<ExpertPlacement> placement, Optional<int[]> tokenRank, boolean training,
                           Optional<UnaryOperator<int[]>> countsOverRanks) {

    public RoutingInput {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("hidden states must be [N, d], got shape " + java.util.Arrays.toString(x.shape()));
        }
        int n = x.rows();
        tokenIds.ifPresent(a -> checkLength("tokenIds", a.length, n));
        padding.ifPresent(a -> checkLength("padding", a.length, n));
        tokenRank.ifPresent(a -> checkLength("tokenRank", a.length, n));
        if (placement.isPresent() != tokenRank.isPresent()) {
            throw new IllegalArgumentException("placement and tokenRank go together");
        }
    }

    private static void checkLength(String what, int length, int n) {
        if (length != n) {
            throw new IllegalArgumentException(what + " has length " + length + ", expected N = " + n);
        }
    }

    /** A training call on {@code x} with no ids, padding or placement. */
    public static RoutingInput of(INDArray x) {
        return new RoutingInput(x, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true,
                Optional.empty());
    }

    public RoutingInput withTokenIds(int[] ids) {
        return new RoutingInput(x, Optional.of(ids), padding, placement, tokenRank, training, countsOverRanks);
    }

    public RoutingInput withPadding(boolean[] pad) {
        return new RoutingInput(x, tokenIds, Optional.of(pad), placement, tokenRank, training, countsOverRanks);
    }

    public RoutingInput withPlacement(ExpertPlacement p, int[] ranks) {
        return new RoutingInput(x, tokenIds, padding, Optional.of(p), Optional.of(ranks), training, countsOverRanks);
    }

    public RoutingInput forEvaluation() {
        return new RoutingInput(x, tokenIds, padding, placement, tokenRank, false, countsOverRanks);
    }

    /** With the sum of per-expert assignment counts over the ranks that share this batch (see the record). */
    public RoutingInput withCountsOverRanks(UnaryOperator<int[]> sum) {
        return new RoutingInput(x, tokenIds, padding, placement, tokenRank, training, Optional.of(sum));
    }

    public int tokens() {
        return x.rows();
    }

    public boolean isPadding(int t) {
        return padding.isPresent() && padding.get()[t];
    }

    /** Number of non-padding tokens. */
    public int routedTokens() {
        if (padding.isEmpty()) {
            return tokens();
        }
        int n = 0;
        for (boolean p : padding.get()) {
            n += p ? 0 : 1;
        }
        return n;
    }

    /** Node of token t's rank, or -1 without a placement. */
    public int tokenNode(int t) {
        return placement.map(p -> p.nodeOfRank(tokenRank.get()[t])).orElse(-1);
    }
}
