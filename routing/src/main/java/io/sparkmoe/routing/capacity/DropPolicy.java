package io.sparkmoe.routing.capacity;

import java.util.List;

import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.select.StableSort;

/**
 * Which overflowing (token, expert) pairs are dropped when an expert is over capacity (MODEL.md, "Capacity").
 * Pairs are first laid out slot-major (every token's first choice in token order, then every second choice,
 * …, as GShard does); {@code position} keeps them in that order, {@code score} reorders them by weight,
 * higher first, ties keeping the position order (a simplification of V-MoE's batch-prioritised routing,
 * Riquelme et al., arXiv 2106.05974). Each expert then keeps its first C pairs.
 */
public enum DropPolicy {
    POSITION, SCORE;

    public static final List<String> NAMES = List.of("position", "score");

    public static DropPolicy of(String name) {
        int i = NAMES.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("unknown drop policy " + name + "; available: " + String.join(", ", NAMES));
        }
        return values()[i];
    }

    /**
     * The kept mask [N, slots] for capacity C (pairs per expert); pairs with {@link RoutingDecision#NO_EXPERT}
     * are not kept.
     */
    public boolean[] keep(int[] ids, double[] weights, int tokens, int slots, int experts, int capacity) {
        int[] order = new int[tokens * slots];
        int m = 0;
        for (int s = 0; s < slots; s++) {
            for (int t = 0; t < tokens; t++) {
                if (ids[t * slots + s] != RoutingDecision.NO_EXPERT) {
                    order[m++] = t * slots + s;
                }
            }
        }
        if (this == SCORE) {
            StableSort.descending(order, m, weights);
        }
        boolean[] kept = new boolean[tokens * slots];
        int[] used = new int[experts];
        for (int i = 0; i < m; i++) {
            int pair = order[i];
            int e = ids[pair];
            if (used[e] < capacity) {
                used[e]++;
                kept[pair] = true;
            }
        }
        return kept;
    }
}
