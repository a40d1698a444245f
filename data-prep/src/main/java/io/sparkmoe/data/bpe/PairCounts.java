package io.sparkmoe.data.bpe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Counts of adjacent symbol pairs over a weighted word table, with the words each pair occurs in, and the
 * most frequent pair on demand. A pair is packed into a {@code long} (left id in the high half). The
 * queue is lazy: every change pushes a fresh entry and stale entries are skipped when they surface, which
 * keeps each merge proportional to the words it touches rather than to the whole table.
 */
final class PairCounts {

    private final Map<Long, Long> counts = new HashMap<>();
    private final Map<Long, List<Integer>> where = new HashMap<>();
    /** Pairs whose count changed since the last {@link #flush}: one queue entry each, not one per change. */
    private final Set<Long> dirty = new HashSet<>();
    /** Entries {count, pair}: the highest count first, then the smallest pair, so ties break deterministically. */
    private final PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) ->
            x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));

    static long pack(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    static int left(long pair) {
        return (int) (pair >>> 32);
    }

    static int right(long pair) {
        return (int) pair;
    }

    /**
     * Adds (or, with a negative weight, removes) the pairs of one word. The word is recorded under the pairs
     * that contain {@code newId} (all pairs when it is -1): after a merge only those pairs are new to it.
     */
    void add(int[] symbols, int length, long weight, int word, int newId) {
        for (int i = 0; i + 1 < length; i++) {
            long pair = pack(symbols[i], symbols[i + 1]);
            counts.merge(pair, weight, Long::sum);
            if (weight > 0 && (newId < 0 || symbols[i] == newId || symbols[i + 1] == newId)) {
                where.computeIfAbsent(pair, k -> new ArrayList<>()).add(word);
            }
            dirty.add(pair);
        }
    }

    /** Changes the count of one pair occurrence by {@code delta}; a positive change records the word under it. */
    void change(int left, int right, long delta, int word) {
        long pair = pack(left, right);
        counts.merge(pair, delta, Long::sum);
        if (delta > 0) {
            where.computeIfAbsent(pair, k -> new ArrayList<>()).add(word);
        }
        dirty.add(pair);
    }

    /** Queues the current count of every pair changed since the last flush. */
    void flush() {
        for (long pair : dirty) {
            Long now = counts.get(pair);
            if (now != null && now > 0) {
                queue.add(new long[]{now, pair});
            }
        }
        dirty.clear();
    }

    /** The words that contained {@code pair} at some point (possibly no longer, possibly repeated). */
    List<Integer> wordsWith(long pair) {
        return where.getOrDefault(pair, List.of());
    }

    /** The most frequent pair and its count, or {@code null} when no pair is left. */
    long[] best() {
        while (!queue.isEmpty()) {
            long[] top = queue.peek();
            Long current = counts.get(top[1]);
            if (current != null && current == top[0] && current > 0) {
                return top;
            }
            queue.poll();
        }
        return null;
    }

    /** Forgets {@code pair} once it has been merged. */
    void remove(long pair) {
        counts.remove(pair);
        where.remove(pair);
    }
}
