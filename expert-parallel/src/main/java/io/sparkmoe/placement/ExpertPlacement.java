package io.sparkmoe.placement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Which rank holds each expert in expert-parallel training, computed once on the driver from the
 * {@link NodeAssignment} and recorded in the run directory as {@code placement.json}.
 *
 * <p>Every rank holds {@code E/N} experts (the same work and memory on every rank, so none waits for the others).
 * Experts of one <em>locality group</em> sit on one node: node {@code n}'s group is a run of consecutive expert
 * ids, the groups follow the node order, and inside a node each of its ranks (ascending) takes the next {@code E/N}
 * ids. A token routed inside its group never crosses the network; that is what the LocMoE locality loss pulls
 * routing toward and what the group limit (experts on at most {@code M} nodes) bounds.
 *
 * <p>Nodes of unequal size are allowed, by that same rule: a node's group is {@code E/N} experts per rank it has,
 * so a node with more ranks has a larger group. (Equal per-rank work matters more than equal groups; the
 * group limit and the locality loss work with groups of any size.)
 *
 * <p>Routers read the same map through {@link #forRouting()}, the routing module's view of it, which carries no
 * rule and accepts any map (tests build arbitrary ones).
 */
public final class ExpertPlacement implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String FILE = "placement.json";
    public static final String FORMAT = "sparkmoe-placement";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int[] expertRank;
    private final NodeAssignment nodes;

    private ExpertPlacement(int[] expertRank, NodeAssignment nodes) {
        int n = nodes.ranks();
        requireMultipleOfRanks(expertRank.length, n);
        int[] held = new int[n];
        for (int e = 0; e < expertRank.length; e++) {
            int r = expertRank[e];
            if (r < 0 || r >= n) {
                throw new IllegalArgumentException("expert " + e + " is on rank " + r + ", outside 0.." + (n - 1));
            }
            held[r]++;
        }
        int perRank = expertRank.length / n;
        for (int r = 0; r < n; r++) {
            if (held[r] != perRank) {
                throw new IllegalArgumentException("rank " + r + " holds " + held[r] + " experts, expected E/N = "
                        + perRank);
            }
        }
        this.expertRank = expertRank.clone();
        this.nodes = nodes;
    }

    /**
     * The placement of {@code experts} experts by the rule above.
     *
     * @throws IllegalArgumentException when {@code experts} is not a positive multiple of the number of ranks
     */
    public static ExpertPlacement compute(int experts, NodeAssignment nodes) {
        int n = nodes.ranks();
        requireMultipleOfRanks(experts, n);
        int perRank = experts / n;
        int[] expertRank = new int[experts];
        int next = 0;
        for (int node = 0; node < nodes.nodes(); node++) {
            for (int rank : nodes.ranksOn(node)) {
                for (int i = 0; i < perRank; i++) {
                    expertRank[next++] = rank;
                }
            }
        }
        return new ExpertPlacement(expertRank, nodes);
    }

    /**
     * A given map, expert → rank ({@code E/N} experts per rank), over these nodes: what a trainer whose layout does
     * not follow the rule above (e.g. consecutive experts per rank on interleaved hosts) actually holds.
     */
    public static ExpertPlacement of(int[] expertRank, NodeAssignment nodes) {
        return new ExpertPlacement(expertRank, nodes);
    }

    private static void requireMultipleOfRanks(int experts, int ranks) {
        if (experts < 1 || experts % ranks != 0) {
            throw new IllegalArgumentException("model.moe.experts (" + experts
                    + ") must be a positive multiple of cluster.ranks (" + ranks + "): every rank holds E/N experts");
        }
    }

    /** The placement for a node of each rank given as numbers only (nodes {@code 0..K-1}, each with a rank). */
    public static ExpertPlacement compute(int experts, int[] nodeOfRank) {
        return compute(experts, NodeAssignment.of(nodeOfRank));
    }

    /** E. */
    public int experts() {
        return expertRank.length;
    }

    /** N. */
    public int ranks() {
        return nodes.ranks();
    }

    /** E/N. */
    public int expertsPerRank() {
        return expertRank.length / nodes.ranks();
    }

    public NodeAssignment nodes() {
        return nodes;
    }

    public int rankOf(int expert) {
        return expertRank[expert];
    }

    /** The node holding {@code expert}, which is also the node of its locality group. */
    public int nodeOf(int expert) {
        return nodes.nodeOf(expertRank[expert]);
    }

    /** The rank of every expert, index = expert (a copy). */
    public int[] expertRanks() {
        return expertRank.clone();
    }

    /** The node of every expert (= of its locality group), index = expert: what the group limit groups by. */
    public int[] expertNodes() {
        return IntStream.range(0, expertRank.length).map(this::nodeOf).toArray();
    }

    /** The experts {@code rank} holds, ascending: the ones whose parameters live in that rank's memory. */
    public int[] localExperts(int rank) {
        return IntStream.range(0, expertRank.length).filter(e -> expertRank[e] == rank).toArray();
    }

    /** The locality group of {@code node}: the experts on its ranks, ascending. */
    public int[] group(int node) {
        return IntStream.range(0, expertRank.length).filter(e -> nodeOf(e) == node).toArray();
    }

    /** The same map as the routing module reads it (locality loss, group limit, same-node statistics). */
    public io.sparkmoe.routing.ExpertPlacement forRouting() {
        return new io.sparkmoe.routing.ExpertPlacement(expertRank, nodes.nodeOfRank());
    }

    /**
     * {@code placement.json}: {@code {"format":"sparkmoe-placement","version":1,"ranks":N,"experts_per_rank":E/N,
     * "nodes":[{"node":n,"name":host,"ranks":[…],"experts":[…]}…],"experts":[{"expert":j,"rank":r,"node":n}…]}}.
     * A node's {@code experts} (its locality group) is derived from the expert list and checked on reading.
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("ranks", ranks());
        root.put("experts_per_rank", expertsPerRank());
        ArrayNode nodeList = root.putArray("nodes");
        for (int n = 0; n < nodes.nodes(); n++) {
            ObjectNode node = nodeList.addObject();
            node.put("node", n);
            node.put("name", nodes.name(n));
            Arrays.stream(nodes.ranksOn(n)).forEach(node.putArray("ranks")::add);
            Arrays.stream(group(n)).forEach(node.putArray("experts")::add);
        }
        ArrayNode expertList = root.putArray("experts");
        for (int e = 0; e < experts(); e++) {
            expertList.addObject().put("expert", e).put("rank", rankOf(e)).put("node", nodeOf(e));
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads {@code placement.json}; {@code file} names it in every error. Any map with {@code E/N} experts per
     * rank is accepted (not only this rule's), with every recorded node consistent with the ranks' nodes.
     */
    public static ExpertPlacement parse(String text, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException(file + ": not a placement (format must be \"" + FORMAT + "\")");
        }
        if (root.path("version").asInt() != VERSION) {
            throw new IllegalArgumentException(file + ": placement version " + root.path("version") + " is not " + VERSION);
        }
        int ranks = root.path("ranks").asInt(0);
        if (ranks < 1) {
            throw new IllegalArgumentException(file + ": \"ranks\" must be a positive integer, got " + root.path("ranks"));
        }
        int[] nodeOfRank = new int[ranks];
        Arrays.fill(nodeOfRank, -1);
        List<String> names = new ArrayList<>();
        JsonNode nodeList = root.path("nodes");
        for (int n = 0; n < nodeList.size(); n++) {
            JsonNode node = nodeList.get(n);
            if (node.path("node").asInt(-1) != n) {
                throw new IllegalArgumentException(file + ": nodes[" + n + "] must have \"node\": " + n + ", got " + node);
            }
            names.add(node.path("name").asText("node-" + n));
            for (JsonNode r : node.path("ranks")) {
                int rank = r.asInt(-1);
                if (rank < 0 || rank >= ranks || nodeOfRank[rank] != -1) {
                    throw new IllegalArgumentException(file + ": node " + n + " lists rank " + r
                            + ", which is outside 0.." + (ranks - 1) + " or already on another node");
                }
                nodeOfRank[rank] = n;
            }
        }
        for (int r = 0; r < ranks; r++) {
            if (nodeOfRank[r] == -1) {
                throw new IllegalArgumentException(file + ": rank " + r + " is on no node");
            }
        }
        JsonNode expertList = root.path("experts");
        int[] expertRank = new int[expertList.size()];
        for (int e = 0; e < expertRank.length; e++) {
            JsonNode x = expertList.get(e);
            int rank = x.path("rank").asInt(-1);
            if (x.path("expert").asInt(-1) != e || rank < 0 || rank >= ranks || x.path("node").asInt(-1) != nodeOfRank[rank]) {
                throw new IllegalArgumentException(file + ": experts[" + e + "] must be {\"expert\": " + e
                        + ", \"rank\": 0.." + (ranks - 1) + ", \"node\": that rank's node}, got " + x);
            }
            expertRank[e] = rank;
        }
        ExpertPlacement placement;
        try {
            placement = new ExpertPlacement(expertRank, NodeAssignment.of(nodeOfRank, names));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        for (int n = 0; n < placement.nodes.nodes(); n++) {
            int[] listed = ints(nodeList.get(n).path("experts"));
            if (!Arrays.equals(listed, placement.group(n))) {
                throw new IllegalArgumentException(file + ": node " + n + " lists experts " + Arrays.toString(listed)
                        + " but the expert list puts " + Arrays.toString(placement.group(n)) + " on it");
            }
        }
        return placement;
    }

    private static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asInt(-1);
        }
        return v;
    }

    /** One line per expert: {@code expert j  rank r  node n (name)}, the table {@code sparkmoe ranks} prints. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        for (int e = 0; e < experts(); e++) {
            sb.append(String.format("expert %-3d rank %-3d node %d (%s)%n", e, rankOf(e), nodeOf(e), nodes.name(nodeOf(e))));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExpertPlacement p && Arrays.equals(expertRank, p.expertRank) && nodes.equals(p.nodes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(expertRank) + nodes.hashCode();
    }

    @Override
    public String toString() {
        return "ExpertPlacement[expertRank=" + Arrays.toString(expertRank) + ", " + nodes + "]";
    }
}
