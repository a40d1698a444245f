package io.sparkmoe.parallel;

import java.util.ArrayList;
import java.util.List;

import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.exchange.Payload;
import io.sparkmoe.exchange.Tag;

/**
 * Sums of a few float64 scalars over all ranks (losses, squared gradient norms, token counts), exact to the bit and
 * equal on every rank: each rank sends its values' bits to every rank, and each adds them in rank order. The
 * exchange's own all-reduce is float32, which would round a loss or a norm before it is reported or clipped by.
 */
final class Collectives {

    private static final Tag TAG = Tag.global(Tag.Phase.ALL_REDUCE);

    private Collectives() {
    }

    /** Element-wise Σ over ranks, added in rank order 0, 1, …, N−1. */
    static double[] sum(Exchange exchange, double... values) {
        int[] bits = new int[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            long b = Double.doubleToRawLongBits(values[i]);
            bits[2 * i] = (int) (b >>> 32);
            bits[2 * i + 1] = (int) b;
        }
        List<Payload> outgoing = new ArrayList<>(exchange.size());
        for (int r = 0; r < exchange.size(); r++) {
            outgoing.add(Payload.ofInts(bits));
        }
        double[] sum = new double[values.length];
        List<Payload> incoming = exchange.allToAll(TAG, outgoing);
        for (int r = 0; r < incoming.size(); r++) {
            int[] in = incoming.get(r).ints();
            if (in.length != bits.length) {
                throw new IllegalStateException("rank " + exchange.rank() + ": rank " + r + " summed " + in.length / 2
                        + " values, this rank " + values.length);
            }
            for (int i = 0; i < values.length; i++) {
                sum[i] += Double.longBitsToDouble(((long) in[2 * i] << 32) | (in[2 * i + 1] & 0xffffffffL));
            }
        }
        return sum;
    }
}
