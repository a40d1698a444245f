package io.sparkmoe.costmodel;

/**
 * The machines a projection assumes.
 *
 * @param nodes           nodes
 * @param ranksPerNode    ranks (GPUs, or executor slots) per node
 * @param intraNode       between two ranks of a node (NVLink, shared memory, loopback), per rank
 * @param interNode       a node's network interface, shared by its ranks
 * @param flopsPerRank    sustained training FLOP/s of one rank (peak × the MFU one expects)
 * @param description     what the figures are, for the report
 */
public record ClusterSpec(int nodes, int ranksPerNode, Link intraNode, Link interNode, double flopsPerRank,
                          String description) {

    public ClusterSpec {
        if (nodes < 1 || ranksPerNode < 1 || !(flopsPerRank > 0)) {
            throw new IllegalArgumentException("a cluster needs nodes >= 1, ranks per node >= 1 and FLOP/s > 0, got "
                    + nodes + ", " + ranksPerNode + ", " + flopsPerRank);
        }
    }

    public int ranks() {
        return nodes * ranksPerNode;
    }

    /** The same hardware with another number of nodes. */
    public ClusterSpec withNodes(int n) {
        return new ClusterSpec(n, ranksPerNode, intraNode, interNode, flopsPerRank, description);
    }
}
