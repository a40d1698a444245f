package io.sparkmoe.parallel;

import java.util.Arrays;

import io.sparkmoe.exchange.Topology;
import io.sparkmoe.routing.ExpertPlacement;

/**
 * Which rank holds which routed experts: E/N consecutive experts per rank (expert e on rank e / (E/N)), the same in
 * every MoE layer, with the ranks' nodes from the {@link Topology}. Everything else (attention, norms, embeddings,
 * routers, shared experts) is replicated on every rank.
 */
public final class ExpertShards {

    /** What only routed experts' tensor names contain ({@code model.layers.{i}.block_sparse_moe.experts.{e}.}). */
    private static final String ROUTED_EXPERT = ".block_sparse_moe.experts.";

    private final ExpertPlacement placement;
    private final int perRank;

    private ExpertShards(ExpertPlacement placement, int perRank) {
        this.placement = placement;
        this.perRank = perRank;
    }

    /** {@code experts} routed experts over the ranks of {@code topology}; the ranks must divide the experts. */
    public static ExpertShards contiguous(int experts, Topology topology) {
        int ranks = topology.size();
        if (experts % ranks != 0) {
            throw new IllegalArgumentException("model.moe.experts (" + experts + ") must be a multiple of the number of"
                    + " ranks (" + ranks + "): each rank holds the same number of experts");
        }
        int perRank = experts / ranks;
        int[] expertRank = new int[experts];
        for (int e = 0; e < experts; e++) {
            expertRank[e] = e / perRank;
        }
        int[] rankNode = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            rankNode[r] = topology.nodeIndex(r);
        }
        return new ExpertShards(new ExpertPlacement(expertRank, rankNode), perRank);
    }

    /** Expert → rank and rank → node, as the routers' locality parts read it. */
    public ExpertPlacement placement() {
        return placement;
    }

    public boolean holds(int rank, int expert) {
        return placement.rankOf(expert) == rank;
    }

    /** The experts of {@code rank}, ascending. */
    public int[] expertsOf(int rank) {
        int[] ids = new int[perRank];
        Arrays.setAll(ids, i -> rank * perRank + i);
        return ids;
    }

    /** Whether a tensor belongs to one routed expert (held by one rank) rather than to every replica. */
    public static boolean isExpertTensor(String name) {
        return name.contains(ROUTED_EXPERT);
    }
}
