package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.parallel.ExpertShards;
import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.placement.NodeAssignment;

import java.util.Arrays;

/**
 * The expert placement of a {@code train-ep} run, from the hosts its ranks gathered, checked against what the ranks
 * train. The ranks hold consecutive experts ({@link ExpertShards#contiguous}: rank r holds experts r·E/N …), and
 * {@link ExpertPlacement} gives each node's locality group to its ranks in order; the two agree exactly when every
 * node's ranks are consecutive. Each rank checks this at its start, before it opens a connection or trains a step, so
 * a host order the layout cannot serve fails at once, naming the hosts; the driver writes the same placement to
 * {@code placement.json}, which therefore describes what the ranks trained.
 *
 * <p>Why not train any placement instead: a rank's checkpoint files hold the experts it trained, and a rerun may put
 * the ranks on hosts in another order; a fixed expert range per rank keeps every rerun able to resume.
 */
final class RankLayout {

    private RankLayout() {
    }

    /**
     * The placement for these hosts.
     *
     * @param hosts the host of each rank's executor, index = rank
     * @throws IllegalStateException naming the hosts and their ranks, and what would fix it, where a node's ranks
     *                               are not consecutive
     */
    static ExpertPlacement of(SparkMoeConfig config, String[] hosts) {
        NodeAssignment nodes = NodeAssignment.resolve(config.cluster().ranksPerNode(), hosts);
        int experts = config.model().moe().experts();
        ExpertPlacement placement = ExpertPlacement.compute(experts, nodes);
        ExpertShards shards = ExpertShards.contiguous(experts, RanksCommand.topology(nodes));
        for (int r = 0; r < hosts.length; r++) {
            if (!Arrays.equals(placement.localExperts(r), shards.expertsOf(r))) {
                throw new IllegalStateException("the ranks' hosts put one node's ranks out of order (" + nodes
                        + "; hosts by rank " + Arrays.toString(hosts) + "): rank " + r + " would train experts "
                        + Arrays.toString(shards.expertsOf(r)) + " but its node's locality group gives it "
                        + Arrays.toString(placement.localExperts(r)) + ". train-ep needs the ranks of each node to be"
                        + " consecutive: set cluster.ranks-per-node to the ranks per host (emulated nodes of consecutive"
                        + " ranks), or give every host the same number of task slots so Spark numbers one host's"
                        + " tasks together");
            }
        }
        return placement;
    }
}
