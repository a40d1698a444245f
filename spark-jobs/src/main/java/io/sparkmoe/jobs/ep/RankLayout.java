package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.parallel.ExpertShards;
import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.placement.NodeAssignment;

/**
 * The expert placement of a {@code train-ep} run as its ranks train it, from the hosts they gathered: the nodes of
 * those hosts ({@code cluster.ranks-per-node} emulates them) and {@link ExpertShards#contiguous}'s layout, rank r
 * holding experts r·E/N … (r+1)·E/N − 1 whatever its node. Every rank computes it at its start, before it connects,
 * and trains with it; the driver writes the same placement to {@code placement.json}, so the file describes exactly
 * what the ranks trained, for any host order.
 *
 * <p>On hosts whose ranks are consecutive this is {@link ExpertPlacement#compute}'s rule (each node's locality group
 * a run of consecutive expert ids). On interleaved hosts ({@code [a, b, a, b]}) a node's group is not consecutive
 * ids ({@code a}: experts of ranks 0 and 2), which the routers accept (they read any expert → rank → node map). The
 * per-rank expert range stays fixed rather than following the hosts because a rank's checkpoint files hold its
 * experts, and a rerun may see the hosts in another order: a fixed range keeps every rerun able to resume.
 */
final class RankLayout {

    private RankLayout() {
    }

    /**
     * The placement the ranks train on these hosts.
     *
     * @param hosts the host of each rank's executor, index = rank
     */
    static ExpertPlacement of(SparkMoeConfig config, String[] hosts) {
        NodeAssignment nodes = NodeAssignment.resolve(config.cluster().ranksPerNode(), hosts);
        int experts = config.model().moe().experts();
        int[] expertRank = ExpertShards.contiguous(experts, RanksCommand.topology(nodes)).placement().expertRank();
        return ExpertPlacement.of(expertRank.clone(), nodes);
    }
}
