package io.sparkmoe.costmodel;

import io.sparkmoe.exchange.Topology;
import io.sparkmoe.exchange.TrafficClass;

import java.util.Arrays;

/**
 * The bytes one MoE layer's exchange moves in a training step, per traffic class, counted from the routing alone:
 * the same rules as {@link io.sparkmoe.exchange.HierarchicalDispatch}, without moving anything. A token's kept
 * slots go to a set S of ranks; on its own node each rank of S gets the token directly, on every other node the
 * lowest rank of S there (the entry) gets one copy over the network and fans it out. So, per token:
 * <ul>
 *   <li>origin → entry: one row per rank of S on the own node (same rank or same node) and one per remote node
 *       touched (remote); entry → member: one row per rank of S (same rank when it is the entry, else same node);</li>
 *   <li>four row-moving collectives per step — dispatch, combine, and their two backwards — each moving those rows
 *       (a gather mirrors a scatter, so the counts are equal);</li>
 *   <li>combine's backward also returns one float and one int per kept slot from its expert's rank to the origin
 *       (the gate-weight gradient);</li>
 *   <li>the plan: 2 + 4·(slots through the entry) ints per copy to the entry, 3 + 3·(slots of the member) ints per
 *       forwarded copy to the member.</li>
 * </ul>
 * {@code DispatchVolumeTest} holds this against the bytes the real exchange counts.
 */
public final class DispatchVolume {

    /** Row-moving collectives per MoE layer and step: dispatch, combine, combine backward, dispatch backward. */
    public static final int ROW_COLLECTIVES = 4;

    private final Topology topology;
    private final Topology grouping;
    private final long[] rows = new long[TrafficClass.values().length];
    private final long[] scalarBytes = new long[TrafficClass.values().length];
    private final long[] planBytes = new long[TrafficClass.values().length];
    private long tokens;
    private long slots;
    private final int[] seen;
    private final int[] slotsOnRank;
    private final int[] entryOfNode;

    /** hierarchical: one copy per node (what training uses); else one per rank (the flat dispatch). */
    public DispatchVolume(Topology topology, boolean hierarchical) {
        this.topology = topology;
        this.grouping = hierarchical ? topology : topology.flat();
        this.seen = new int[topology.size()];
        this.slotsOnRank = new int[topology.size()];
        this.entryOfNode = new int[grouping.nodeCount()];
        Arrays.fill(seen, -1);
    }

    /** Adds one token of rank {@code origin} whose kept slots go to {@code slotRanks} (−1 = dropped, skipped). */
    public void add(int origin, int[] slotRanks) {
        long token = tokens++;
        Arrays.fill(entryOfNode, Integer.MAX_VALUE);
        for (int r : slotRanks) {
            if (r < 0) {
                continue;
            }
            slots++;
            if (seen[r] != token) {
                seen[r] = (int) token;
                slotsOnRank[r] = 0;
            }
            slotsOnRank[r]++;
            int node = grouping.nodeIndex(r);
            if (!grouping.sameNode(origin, r)) {
                entryOfNode[node] = Math.min(entryOfNode[node], r);
            }
            scalarBytes[topology.classify(r, origin).ordinal()] += 8;
        }
        int[] slotsThroughEntry = new int[grouping.nodeCount()];
        for (int r = 0; r < seen.length; r++) {
            if (seen[r] != token) {
                continue;
            }
            int entry = grouping.sameNode(origin, r) ? r : entryOfNode[grouping.nodeIndex(r)];
            TrafficClass member = topology.classify(entry, r);
            rows[member.ordinal()]++;
            planBytes[member.ordinal()] += 4L * (3 + 3 * slotsOnRank[r]);
            if (grouping.sameNode(origin, r)) {
                rows[topology.classify(origin, r).ordinal()]++;
                planBytes[topology.classify(origin, r).ordinal()] += 4L * (2 + 4 * slotsOnRank[r]);
            } else {
                slotsThroughEntry[grouping.nodeIndex(r)] += slotsOnRank[r];
            }
        }
        for (int node = 0; node < entryOfNode.length; node++) {
            if (entryOfNode[node] != Integer.MAX_VALUE) {
                int c = topology.classify(origin, entryOfNode[node]).ordinal();
                rows[c]++;
                planBytes[c] += 4L * (2 + 4 * slotsThroughEntry[node]);
            }
        }
    }

    public long tokens() {
        return tokens;
    }

    /** Kept (token, expert) slots added. */
    public long slots() {
        return slots;
    }

    /** Rows of one collective in {@code trafficClass} (one row = one token's d floats). */
    public long rows(TrafficClass trafficClass) {
        return rows[trafficClass.ordinal()];
    }

    /** Bytes of one layer's whole step in {@code trafficClass}: plan, four row collectives, gate gradients. */
    public long stepBytes(TrafficClass trafficClass, int width) {
        int c = trafficClass.ordinal();
        return planBytes[c] + ROW_COLLECTIVES * rows[c] * 4L * width + scalarBytes[c];
    }
}
