package io.sparkmoe.costmodel;

import io.sparkmoe.exchange.Topology;

import java.util.Random;

/**
 * How a router spreads a token's k slots over the experts, as the cost model assumes it, for experts placed in
 * contiguous blocks (expert e on rank {@code e / (E / ranks)}, so a node's experts are contiguous too):
 * <ul>
 *   <li>{@code uniform}: k distinct experts, uniformly — a balanced {@code topk} (k = 2), {@code switch} and
 *       {@code hash} (k = 1); the load-balancing loss pushes learned routers toward this;</li>
 *   <li>{@code node-limited}: m distinct nodes uniformly, then k distinct experts uniformly among their experts —
 *       the group limit (experts on at most m nodes per token);</li>
 *   <li>{@code local-biased}: each slot, with probability λ, picks among the token's own node's experts, else among
 *       all — the LocMoE locality loss and the {@code grap} gate, whose pull toward the node is measured, not
 *       derived: λ is fitted to the remote bytes of a measured run ({@link LocalityFit}).</li>
 * </ul>
 *
 * @param name       what the tables call it
 * @param k          slots per token
 * @param nodeLimit  m for node-limited, else 0
 * @param localBias  λ for local-biased, else 0
 */
public record RoutingPattern(String name, int k, int nodeLimit, double localBias) {

    public RoutingPattern {
        if (k < 1 || nodeLimit < 0 || localBias < 0 || localBias > 1) {
            throw new IllegalArgumentException("routing pattern " + name + ": need k >= 1, node limit >= 0 and "
                    + "0 <= local bias <= 1, got k=" + k + ", m=" + nodeLimit + ", λ=" + localBias);
        }
    }

    public static RoutingPattern uniform(String name, int k) {
        return new RoutingPattern(name, k, 0, 0);
    }

    public static RoutingPattern nodeLimited(String name, int k, int nodes) {
        return new RoutingPattern(name, k, nodes, 0);
    }

    public static RoutingPattern localBiased(String name, int k, double lambda) {
        return new RoutingPattern(name, k, 0, lambda);
    }

    /** The ranks of one token's k slots ({@code experts} experts, contiguous blocks over the topology's ranks). */
    public int[] sample(Random random, Topology topology, int experts, int origin) {
        int ranks = topology.size();
        if (experts % ranks != 0 || experts < k) {
            throw new IllegalArgumentException("the cost model places E experts in equal blocks: need E (" + experts
                    + ") a multiple of the ranks (" + ranks + ") and at least k (" + k + ")");
        }
        int perRank = experts / ranks;
        int[] chosen = new int[k];
        int[] candidates = candidates(random, topology, perRank);
        int[] own = expertsOn(topology, topology.nodeIndex(origin), perRank);
        for (int j = 0; j < k; j++) {
            int[] pool = localBias > 0 && random.nextDouble() < localBias ? own : candidates;
            chosen[j] = pickDistinct(random, pool, chosen, j, candidates);
        }
        int[] slotRanks = new int[k];
        for (int j = 0; j < k; j++) {
            slotRanks[j] = chosen[j] / perRank;
        }
        return slotRanks;
    }

    /** All experts, or those of m random nodes when node-limited. */
    private int[] candidates(Random random, Topology topology, int perRank) {
        int nodes = topology.nodeCount();
        if (nodeLimit == 0 || nodeLimit >= nodes) {
            int[] all = new int[topology.size() * perRank];
            for (int e = 0; e < all.length; e++) {
                all[e] = e;
            }
            return all;
        }
        int[] nodeOrder = shuffled(random, nodes);
        int size = 0;
        for (int i = 0; i < nodeLimit; i++) {
            size += topology.ranksOn(nodeOrder[i]).length * perRank;
        }
        int[] pool = new int[size];
        int at = 0;
        for (int i = 0; i < nodeLimit; i++) {
            for (int e : expertsOn(topology, nodeOrder[i], perRank)) {
                pool[at++] = e;
            }
        }
        return pool;
    }

    private static int[] expertsOn(Topology topology, int node, int perRank) {
        int[] ranks = topology.ranksOn(node);
        int[] experts = new int[ranks.length * perRank];
        for (int i = 0; i < ranks.length; i++) {
            for (int j = 0; j < perRank; j++) {
                experts[i * perRank + j] = ranks[i] * perRank + j;
            }
        }
        return experts;
    }

    /** A uniform draw from pool not among chosen[0..j); from fallback when pool is exhausted. */
    private static int pickDistinct(Random random, int[] pool, int[] chosen, int j, int[] fallback) {
        for (int tries = 0; tries < 64; tries++) {
            int e = pool[random.nextInt(pool.length)];
            if (!contains(chosen, j, e)) {
                return e;
            }
        }
        int[] left = java.util.Arrays.stream(pool.length > j ? pool : fallback)
                .filter(e -> !contains(chosen, j, e)).toArray();
        if (left.length == 0) {
            left = java.util.Arrays.stream(fallback).filter(e -> !contains(chosen, j, e)).toArray();
        }
        return left[random.nextInt(left.length)];
    }

    private static boolean contains(int[] values, int count, int v) {
        for (int i = 0; i < count; i++) {
            if (values[i] == v) {
                return true;
            }
        }
        return false;
    }

    private static int[] shuffled(Random random, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
