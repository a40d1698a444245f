package io.sparkmoe.placement;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which ranks share a node: the node of every rank, numbered {@code 0..K-1}, and a name for each node (its
 * host, or {@code emulated-n} when nodes are emulated on one host). Ranks on one node reach each other without
 * crossing the network, so the placement keeps a locality group of experts on one node.
 *
 * <p>Two ways to get one: from the host each rank's executor reported ({@link #fromHosts}), or by grouping
 * consecutive ranks into nodes of a fixed size ({@link #fromRanksPerNode}, {@code cluster.ranks-per-node}),
 * which emulates several nodes where every executor reports the same host.
 */
public final class NodeAssignment implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int[] nodeOfRank;
    private final List<String> nodeNames;

    private NodeAssignment(int[] nodeOfRank, List<String> nodeNames) {
        if (nodeOfRank.length == 0) {
            throw new IllegalArgumentException("a node assignment needs at least one rank");
        }
        int[] ranksOnNode = new int[nodeNames.size()];
        for (int r = 0; r < nodeOfRank.length; r++) {
            int n = nodeOfRank[r];
            if (n < 0 || n >= nodeNames.size()) {
                throw new IllegalArgumentException("rank " + r + " is on node " + n + ", outside 0.."
                        + (nodeNames.size() - 1));
            }
            ranksOnNode[n]++;
        }
        for (int n = 0; n < ranksOnNode.length; n++) {
            if (ranksOnNode[n] == 0) {
                throw new IllegalArgumentException("node " + n + " (" + nodeNames.get(n) + ") has no rank;"
                        + " nodes are numbered 0..K-1 with at least one rank each: " + Arrays.toString(nodeOfRank));
            }
        }
        this.nodeOfRank = nodeOfRank.clone();
        this.nodeNames = List.copyOf(nodeNames);
    }

    /**
     * Ranks whose executors reported the same host share a node; nodes are numbered in the order their host
     * first appears among the ranks, so rank 0 is always on node 0.
     *
     * @param hostOfRank the host of each rank's executor, index = rank
     */
    public static NodeAssignment fromHosts(String[] hostOfRank) {
        Map<String, Integer> nodeOfHost = new LinkedHashMap<>();
        int[] nodes = new int[hostOfRank.length];
        for (int r = 0; r < hostOfRank.length; r++) {
            String host = hostOfRank[r];
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("rank " + r + " reported no host");
            }
            nodes[r] = nodeOfHost.computeIfAbsent(host, h -> nodeOfHost.size());
        }
        return new NodeAssignment(nodes, new ArrayList<>(nodeOfHost.keySet()));
    }

    /** Emulated nodes: ranks {@code 0..p-1} on node 0, {@code p..2p-1} on node 1, and so on. */
    public static NodeAssignment fromRanksPerNode(int ranks, int ranksPerNode) {
        if (ranks < 1 || ranksPerNode < 1 || ranks % ranksPerNode != 0) {
            throw new IllegalArgumentException("cluster.ranks-per-node (" + ranksPerNode
                    + ") must be >= 1 and divide cluster.ranks (" + ranks + ")");
        }
        int[] nodes = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            nodes[r] = r / ranksPerNode;
        }
        List<String> names = new ArrayList<>();
        for (int n = 0; n < ranks / ranksPerNode; n++) {
            names.add("emulated-" + n);
        }
        return new NodeAssignment(nodes, names);
    }

    /**
     * The nodes a run uses: emulated ones when {@code cluster.ranks-per-node} is set, else one node per host. A pure
     * function of its arguments, so the driver and every rank (which all know every rank's host) get the same one.
     *
     * @param ranksPerNode {@code cluster.ranks-per-node}
     * @param hostOfRank   the host of each rank's executor, index = rank
     */
    public static NodeAssignment resolve(java.util.Optional<Integer> ranksPerNode, String[] hostOfRank) {
        return ranksPerNode.map(p -> fromRanksPerNode(hostOfRank.length, p)).orElseGet(() -> fromHosts(hostOfRank));
    }

    /** A given node of each rank (nodes numbered {@code 0..K-1}, each with a rank), named {@code node-n}. */
    public static NodeAssignment of(int[] nodeOfRank) {
        int nodes = Arrays.stream(nodeOfRank).max().orElse(-1) + 1;
        List<String> names = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            names.add("node-" + n);
        }
        return new NodeAssignment(nodeOfRank, names);
    }

    /** A given node of each rank with the nodes' names. */
    public static NodeAssignment of(int[] nodeOfRank, List<String> nodeNames) {
        return new NodeAssignment(nodeOfRank, nodeNames);
    }

    /** N. */
    public int ranks() {
        return nodeOfRank.length;
    }

    /** K. */
    public int nodes() {
        return nodeNames.size();
    }

    public int nodeOf(int rank) {
        return nodeOfRank[rank];
    }

    /** The node of every rank, index = rank (a copy). */
    public int[] nodeOfRank() {
        return nodeOfRank.clone();
    }

    /** The host (or emulated name) of a node. */
    public String name(int node) {
        return nodeNames.get(node);
    }

    public List<String> names() {
        return nodeNames;
    }

    /** The ranks on {@code node}, ascending. */
    public int[] ranksOn(int node) {
        return java.util.stream.IntStream.range(0, nodeOfRank.length).filter(r -> nodeOfRank[r] == node).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeAssignment a && Arrays.equals(nodeOfRank, a.nodeOfRank) && nodeNames.equals(a.nodeNames);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nodeOfRank) + nodeNames.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < nodes(); n++) {
            sb.append(n == 0 ? "" : ", ").append("node ").append(n).append(" (").append(name(n)).append("): ranks ")
                    .append(Arrays.toString(ranksOn(n)));
        }
        return sb.toString();
    }
}
