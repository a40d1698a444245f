package io.sparkmoe.exchange;

import java.util.List;

/**
 * Communication between the ranks of one expert-parallel run: an all-to-all of variable-size payloads (token
 * dispatch and combine), a deterministic all-reduce (non-expert gradients) and a barrier. Passed explicitly to
 * whatever communicates, so the same step runs with ranks as threads ({@link InProcessExchange}) or as executor
 * JVMs ({@link NetworkExchange}).
 *
 * <p>Collective: every rank makes the same calls, with the same tags, in the same order. A call that does not
 * complete within the implementation's timeout throws {@link ExchangeException} naming the peer it waited for,
 * so a dead or silent rank fails the stage instead of hanging it. After an exception the exchange is unusable.
 */
public interface Exchange extends AutoCloseable {

    /** This rank, in {@code [0, size())}. */
    int rank();

    /** Number of ranks. */
    default int size() {
        return topology().size();
    }

    /** Which ranks share a node. */
    Topology topology();

    /**
     * Sends {@code outgoing.get(r)} to rank {@code r} (itself included) and returns what every rank sent to this
     * one, indexed by sender. Bytes are counted per class under {@code tag}.
     */
    List<Payload> allToAll(Tag tag, List<Payload> outgoing);

    /**
     * The element-wise sum of {@code values} over all ranks, identical to the last bit on every rank: each element
     * is added in rank order 0, 1, ..., N-1, so an N-rank run is reproducible. Arrays must have equal lengths.
     */
    float[] allReduceSum(Tag tag, float[] values);

    /** Returns once every rank has called it. */
    void barrier(Tag tag);

    /** The bytes this rank has sent. */
    TrafficCounter traffic();

    /** Releases threads, sockets and buffers. Idempotent. */
    @Override
    void close();
}
