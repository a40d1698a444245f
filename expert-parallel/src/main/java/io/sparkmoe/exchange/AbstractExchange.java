package io.sparkmoe.exchange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What every exchange shares: argument checks, traffic counting, and the all-reduce and barrier built on the
 * all-to-all, so an implementation only moves payloads ({@link #transfer}) and both give identical results.
 */
abstract class AbstractExchange implements Exchange {

    private final int rank;
    private final Topology topology;
    private final TrafficCounter traffic = new TrafficCounter();
    private long calls;

    AbstractExchange(int rank, Topology topology) {
        if (rank < 0 || rank >= topology.size()) {
            throw new IllegalArgumentException("rank " + rank + " is outside the topology of " + topology.size()
                    + " ranks");
        }
        this.rank = rank;
        this.topology = topology;
    }

    /**
     * Sends {@code outgoing.get(r)} to every other rank {@code r} and returns what each sent, for call number
     * {@code call} (the same on every rank); the entry at {@link #rank()} is {@code outgoing.get(rank())}.
     */
    abstract List<Payload> transfer(Tag tag, long call, List<Payload> outgoing);

    @Override
    public final int rank() {
        return rank;
    }

    @Override
    public final Topology topology() {
        return topology;
    }

    @Override
    public final TrafficCounter traffic() {
        return traffic;
    }

    @Override
    public final synchronized List<Payload> allToAll(Tag tag, List<Payload> outgoing) {
        if (outgoing.size() != size()) {
            throw new IllegalArgumentException("rank " + rank + " passed " + outgoing.size() + " payloads for " + tag
                    + ", expected one per rank (" + size() + ")");
        }
        for (int to = 0; to < size(); to++) {
            Payload payload = outgoing.get(to);
            if (payload == null) {
                throw new IllegalArgumentException("rank " + rank + " passed no payload for rank " + to + " in " + tag
                        + " (use Payload.EMPTY)");
            }
            traffic.add(tag, topology.classify(rank, to), payload.bytes());
        }
        return transfer(tag, ++calls, List.copyOf(outgoing));
    }

    /**
     * Reduce-scatter then all-gather: rank {@code r} owns the {@code r}-th contiguous chunk, receives that chunk
     * from every rank, and adds the copies in rank order; then every rank receives every summed chunk. Each rank
     * sends about {@code 2 (N-1)/N} of the array, and every element is the left-to-right sum over ranks 0..N-1.
     */
    @Override
    public final float[] allReduceSum(Tag tag, float[] values) {
        int n = values.length;
        List<Payload> chunks = new ArrayList<>(size());
        for (int owner = 0; owner < size(); owner++) {
            chunks.add(Payload.of(Arrays.copyOfRange(values, chunkStart(n, owner), chunkStart(n, owner + 1)),
                    new int[] {n}));
        }
        List<Payload> received = allToAll(tag, chunks);
        float[] sum = new float[chunkStart(n, rank + 1) - chunkStart(n, rank)];
        for (int sender = 0; sender < size(); sender++) {
            Payload chunk = received.get(sender);
            if (chunk.ints().length != 1 || chunk.ints()[0] != n || chunk.floats().length != sum.length) {
                throw new ExchangeException("rank " + rank + " all-reducing " + n + " values in " + tag + " got "
                        + describeChunk(chunk) + " from rank " + sender + ": every rank must pass an array of the"
                        + " same length");
            }
            float[] part = chunk.floats();
            for (int i = 0; i < sum.length; i++) {
                sum[i] = sender == 0 ? part[i] : sum[i] + part[i];
            }
        }
        List<Payload> gathered = allToAll(tag, Collections.nCopies(size(), Payload.ofFloats(sum)));
        float[] result = new float[n];
        for (int owner = 0; owner < size(); owner++) {
            float[] part = gathered.get(owner).floats();
            int start = chunkStart(n, owner);
            if (part.length != chunkStart(n, owner + 1) - start) {
                throw new ExchangeException("rank " + rank + " got a summed chunk of " + part.length + " values from"
                        + " rank " + owner + " in " + tag + ", expected " + (chunkStart(n, owner + 1) - start));
            }
            System.arraycopy(part, 0, result, start, part.length);
        }
        return result;
    }

    @Override
    public final void barrier(Tag tag) {
        allToAll(tag, Collections.nCopies(size(), Payload.EMPTY));
    }

    private int chunkStart(int n, int owner) {
        return (int) ((long) n * owner / size());
    }

    private static String describeChunk(Payload chunk) {
        return chunk.floats().length + " values of an array of "
                + (chunk.ints().length == 1 ? String.valueOf(chunk.ints()[0]) : "unknown length");
    }
}
