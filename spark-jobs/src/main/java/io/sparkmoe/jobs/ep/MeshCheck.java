package io.sparkmoe.jobs.ep;

import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.exchange.Payload;
import io.sparkmoe.exchange.Tag;
import io.sparkmoe.exchange.TrafficClass;
import io.sparkmoe.exchange.TrafficCounter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A check of the full mesh among the ranks through their real exchange, before anything heavier runs over it: one
 * round of each collective training uses. An all-to-all where every rank sends each peer a payload naming both
 * ends (and of a different size per pair, as token dispatches are), an all-reduce whose sum every rank knows in
 * advance, and a barrier. Any wrong payload, sum or a peer that does not answer fails the rank with a message
 * naming the peer.
 */
final class MeshCheck {

    private MeshCheck() {
    }

    /** Runs the three rounds on {@code exchange}; returns the bytes this rank sent, by traffic class. */
    static TrafficCounter.Snapshot run(Exchange exchange) {
        int rank = exchange.rank();
        int n = exchange.size();
        List<Payload> outgoing = new ArrayList<>();
        for (int to = 0; to < n; to++) {
            outgoing.add(Payload.ofInts(pairPayload(rank, to)));
        }
        List<Payload> incoming = exchange.allToAll(Tag.global(Tag.Phase.DISPATCH), outgoing);
        for (int from = 0; from < n; from++) {
            int[] got = incoming.get(from).ints();
            if (!Arrays.equals(got, pairPayload(from, rank))) {
                throw new IllegalStateException("rank " + rank + " received " + Arrays.toString(got) + " from rank "
                        + from + " in the all-to-all, expected " + Arrays.toString(pairPayload(from, rank)));
            }
        }
        float[] sum = exchange.allReduceSum(Tag.global(Tag.Phase.ALL_REDUCE), new float[]{rank + 1, 1});
        float expected = n * (n + 1) / 2f;
        if (sum.length != 2 || sum[0] != expected || sum[1] != n) {
            throw new IllegalStateException("rank " + rank + ": the all-reduce of (rank + 1, 1) over " + n
                    + " ranks gave " + Arrays.toString(sum) + ", expected [" + expected + ", " + (float) n + "]");
        }
        exchange.barrier(Tag.global(Tag.Phase.BARRIER));
        return exchange.traffic().snapshot();
    }

    /** What {@code from} sends {@code to}: both ranks, then {@code from + to} filler values. */
    static int[] pairPayload(int from, int to) {
        int[] values = new int[2 + from + to];
        values[0] = from;
        values[1] = to;
        Arrays.fill(values, 2, values.length, from * 1000 + to);
        return values;
    }

    /** The byte counts of {@code snapshot} as {@code same-rank/same-node/remote}. */
    static long[] bytesByClass(TrafficCounter.Snapshot snapshot) {
        return new long[]{snapshot.bytes(TrafficClass.SAME_RANK), snapshot.bytes(TrafficClass.SAME_NODE),
                snapshot.bytes(TrafficClass.REMOTE)};
    }
}
