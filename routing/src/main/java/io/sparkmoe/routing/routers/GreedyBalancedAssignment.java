package io.sparkmoe.routing.routers;

import java.util.Arrays;

import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.select.LongSelect;
import io.sparkmoe.routing.select.StableSort;

/**
 * BASE's training assignment, greedy-balanced: (token, expert) pairs by score descending (ties: earlier token,
 * then lower expert); each pair is taken when its token is still unassigned and its expert has fewer than
 * ⌈N/E⌉ tokens. Since E·⌈N/E⌉ ≥ N every routed token is assigned.
 *
 * <p>The greedy pass stops once every token is assigned, usually after a few N of the N·E pairs, so with
 * float-exact scores the pairs are packed into longs and only growing prefixes of the order are selected
 * ({@link LongSelect}) and sorted; after each prefix, the pairs that can no longer be taken (token assigned
 * or expert full) are dropped, so later rounds work on few pairs. Other scores take the full stable sort;
 * both give the same assignment (dropping a pair the greedy would reject changes nothing).
 */
final class GreedyBalancedAssignment {

    private GreedyBalancedAssignment() {
    }

    /** Expert of each token (−1 for padding), from scores s [N, E]. */
    static int[] assign(double[] s, int e, boolean[] routed) {
        return StableSort.floatExact(s) ? byPrefixes(s, e, routed, 2 * routed.length) : byFullSort(s, e, routed);
    }

    private static final class State {
        final int[] ids;
        final int[] used;
        final int room;
        final int routedTokens;
        int assigned;

        State(int n, int e, boolean[] routed) {
            ids = new int[n];
            Arrays.fill(ids, RoutingDecision.NO_EXPERT);
            used = new int[e];
            int r = 0;
            for (boolean b : routed) {
                r += b ? 1 : 0;
            }
            routedTokens = r;
            room = (r + e - 1) / e;
        }

        boolean done() {
            return assigned >= routedTokens;
        }

        /**
         * Drops from keys[from..to) the pairs that can no longer be taken (token assigned or expert full), keeping
         * the rest in place; returns the new end. Later rounds then select and sort only open pairs.
         */
        int compactOpen(long[] keys, int from, int to, int e) {
            int w = from;
            for (int i = from; i < to; i++) {
                int pair = (int) keys[i];
                if (ids[pair / e] < 0 && used[pair % e] < room) {
                    keys[w++] = keys[i];
                }
            }
            return w;
        }

        void offer(int pair, int e) {
            int t = pair / e;
            int j = pair % e;
            if (ids[t] < 0 && used[j] < room) {
                ids[t] = j;
                used[j]++;
                assigned++;
            }
        }
    }

    static int[] byFullSort(double[] s, int e, boolean[] routed) {
        State st = new State(routed.length, e, routed);
        int[] pairs = routedPairs(e, routed);
        StableSort.descending(pairs, pairs.length, s);
        for (int i = 0; i < pairs.length && !st.done(); i++) {
            st.offer(pairs[i], e);
        }
        return st.ids;
    }

    /** @param firstChunk pairs selected and sorted first; each further round doubles it */
    static int[] byPrefixes(double[] s, int e, boolean[] routed, int firstChunk) {
        State st = new State(routed.length, e, routed);
        int[] pairs = routedPairs(e, routed);
        long[] keys = new long[pairs.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = StableSort.packDescending(s[pairs[i]], pairs[i]);
        }
        int start = 0;
        int length = keys.length;
        int chunk = Math.max(1, firstChunk);
        while (start < length && !st.done()) {
            int end = (int) Math.min(length, (long) start + chunk);
            if (end < length) {
                LongSelect.smallestFirst(keys, start, length, end);
            }
            Arrays.sort(keys, start, end);
            for (int i = start; i < end && !st.done(); i++) {
                st.offer((int) keys[i], e);
            }
            start = end;
            length = st.compactOpen(keys, start, length, e);
            chunk *= 2;
        }
        return st.ids;
    }

    private static int[] routedPairs(int e, boolean[] routed) {
        int m = 0;
        for (boolean r : routed) {
            m += r ? e : 0;
        }
        int[] pairs = new int[m];
        int i = 0;
        for (int t = 0; t < routed.length; t++) {
            for (int j = 0; routed[t] && j < e; j++) {
                pairs[i++] = t * e + j;
            }
        }
        return pairs;
    }
}
