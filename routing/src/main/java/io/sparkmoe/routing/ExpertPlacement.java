package io.sparkmoe.routing;

import java.util.Arrays;

/**
 * Where the experts of one MoE layer live: expert → rank and rank → node. Locality-aware parts of
 * routing (the LocMoE locality loss, the group limit, the same-rank/same-node statistics) read it;
 * nothing here communicates.
 *
 * @param expertRank rank hosting each expert, length E
 * @param rankNode   node of each rank, length = number of ranks
 */
public record ExpertPlacement(int[] expertRank, int[] rankNode) {

    public ExpertPlacement {
        expertRank = expertRank.clone();
        rankNode = rankNode.clone();
        for (int r : expertRank) {
            if (r < 0 || r >= rankNode.length) {
                throw new IllegalArgumentException("expert rank " + r + " outside 0.." + (rankNode.length - 1));
            }
        }
    }

    /** E experts spread in contiguous blocks over {@code ranks} ranks, {@code ranksPerNode} ranks per node. */
    public static ExpertPlacement contiguous(int experts, int ranks, int ranksPerNode) {
        if (experts % ranks != 0 || ranks % ranksPerNode != 0) {
            throw new IllegalArgumentException("need ranks | experts and ranksPerNode | ranks, got E=" + experts
                    + ", ranks=" + ranks + ", ranksPerNode=" + ranksPerNode);
        }
        int[] er = new int[experts];
        for (int e = 0; e < experts; e++) {
            er[e] = e / (experts / ranks);
        }
        int[] rn = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            rn[r] = r / ranksPerNode;
        }
        return new ExpertPlacement(er, rn);
    }

    public int experts() {
        return expertRank.length;
    }

    public int nodes() {
        return Arrays.stream(rankNode).max().orElse(-1) + 1;
    }

    public int rankOf(int expert) {
        return expertRank[expert];
    }

    public int nodeOf(int expert) {
        return rankNode[expertRank[expert]];
    }

    public int nodeOfRank(int rank) {
        return rankNode[rank];
    }

    /** Node of every expert, length E. */
    public int[] expertNodes() {
        int[] n = new int[expertRank.length];
        for (int e = 0; e < n.length; e++) {
            n[e] = nodeOf(e);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExpertPlacement p && Arrays.equals(expertRank, p.expertRank)
                && Arrays.equals(rankNode, p.rankNode);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(expertRank) + Arrays.hashCode(rankNode);
    }

    @Override
    public String toString() {
        return "ExpertPlacement[expertRank=" + Arrays.toString(expertRank) + ", rankNode=" + Arrays.toString(rankNode) + "]";
    }
}
