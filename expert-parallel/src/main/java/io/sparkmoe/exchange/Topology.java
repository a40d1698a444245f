package io.sparkmoe.exchange;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which node each rank runs on. Node ids come from the caller (the executor host, or a configured name when
 * several emulated nodes share one host), so ranks with equal ids share a node and everything else is remote.
 * Nodes are numbered in the order their first rank appears, which makes every derived order deterministic.
 */
public final class Topology {

    private final List<String> nodeOfRank;
    private final int[] nodeIndexOfRank;
    private final List<String> nodes;
    private final List<int[]> ranksOfNode;

    private Topology(List<String> nodeOfRank) {
        if (nodeOfRank.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least one rank");
        }
        this.nodeOfRank = List.copyOf(nodeOfRank);
        Map<String, List<Integer>> byNode = new LinkedHashMap<>();
        for (int rank = 0; rank < nodeOfRank.size(); rank++) {
            String node = nodeOfRank.get(rank);
            if (node == null || node.isBlank()) {
                throw new IllegalArgumentException("rank " + rank + " has no node id");
            }
            byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(rank);
        }
        this.nodes = List.copyOf(byNode.keySet());
        this.nodeIndexOfRank = new int[nodeOfRank.size()];
        List<int[]> ranks = new ArrayList<>();
        for (List<Integer> members : byNode.values()) {
            int[] array = members.stream().mapToInt(Integer::intValue).toArray();
            for (int rank : array) {
                nodeIndexOfRank[rank] = ranks.size();
            }
            ranks.add(array);
        }
        this.ranksOfNode = Collections.unmodifiableList(ranks);
    }

    /** A topology from the node id of every rank, in rank order. */
    public static Topology of(List<String> nodeOfRank) {
        return new Topology(Objects.requireNonNull(nodeOfRank, "nodeOfRank"));
    }

    /** A topology from the node id of every rank, in rank order. */
    public static Topology of(String... nodeOfRank) {
        return of(List.of(nodeOfRank));
    }

    /** {@code ranks} ranks on one node (threads of one JVM, or executors of one host). */
    public static Topology singleNode(int ranks) {
        return of(Collections.nCopies(ranks, "node0"));
    }

    /** Every rank on its own node: what a hierarchy-unaware (flat) exchange assumes. */
    public Topology flat() {
        List<String> own = new ArrayList<>();
        for (int rank = 0; rank < size(); rank++) {
            own.add("rank" + rank);
        }
        return of(own);
    }

    /** Number of ranks. */
    public int size() {
        return nodeOfRank.size();
    }

    /** The node id of {@code rank}. */
    public String node(int rank) {
        return nodeOfRank.get(checkRank(rank));
    }

    /** The index (0-based, order of first appearance) of the node of {@code rank}. */
    public int nodeIndex(int rank) {
        return nodeIndexOfRank[checkRank(rank)];
    }

    /** Number of distinct nodes. */
    public int nodeCount() {
        return nodes.size();
    }

    /** The ranks on node {@code nodeIndex}, ascending (a copy). */
    public int[] ranksOn(int nodeIndex) {
        return ranksOfNode.get(nodeIndex).clone();
    }

    /** Whether the two ranks share a node. */
    public boolean sameNode(int a, int b) {
        return nodeIndex(a) == nodeIndex(b);
    }

    /** The class of a message from {@code from} to {@code to}. */
    public TrafficClass classify(int from, int to) {
        if (from == to) {
            checkRank(from);
            return TrafficClass.SAME_RANK;
        }
        return sameNode(from, to) ? TrafficClass.SAME_NODE : TrafficClass.REMOTE;
    }

    private int checkRank(int rank) {
        if (rank < 0 || rank >= size()) {
            throw new IllegalArgumentException("rank " + rank + " is outside the topology of " + size() + " ranks");
        }
        return rank;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Topology && ((Topology) other).nodeOfRank.equals(nodeOfRank);
    }

    @Override
    public int hashCode() {
        return nodeOfRank.hashCode();
    }

    @Override
    public String toString() {
        return "Topology" + nodeOfRank;
    }
}
