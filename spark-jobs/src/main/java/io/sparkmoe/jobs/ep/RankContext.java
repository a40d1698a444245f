package io.sparkmoe.jobs.ep;

import io.sparkmoe.engine.GpuSelection;
import io.sparkmoe.exchange.NetworkExchange;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.parallel.Coordinator;
import org.apache.spark.BarrierTaskContext;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a rank knows inside the barrier stage: its rank, every peer (in rank order, itself included), the run's
 * secret, the exchange listener it announced to its peers, its GPU, the stage attempt, and the barrier itself for
 * further synchronisation.
 *
 * <p>The listener is opened before the peers are gathered (its port is what they learn) with the run's
 * {@code cluster.exchange.*} settings, so its frame limit and handshake timeout guard it from the first connection
 * on; {@link #exchange(Topology)} dials the peers and turns it into the rank's {@link NetworkExchange}.
 */
public final class RankContext {

    private final int rank;
    private final List<Peer> peers;
    private final byte[] secret;
    private final NetworkExchange.Listener listener;
    private final BarrierTaskContext barrier;
    private final GpuSelection gpu;
    private volatile NetworkExchange exchange;

    RankContext(int rank, List<Peer> peers, byte[] secret, NetworkExchange.Listener listener, BarrierTaskContext barrier,
                GpuSelection gpu) {
        this.rank = rank;
        this.peers = List.copyOf(peers);
        this.secret = secret.clone();
        this.listener = listener;
        this.barrier = barrier;
        this.gpu = gpu;
    }

    /** The device this rank computes on: the GPU Spark assigned to its task, already bound to its thread, or none. */
    public GpuSelection gpu() {
        return gpu;
    }

    /** This rank (= the partition id of its barrier task). */
    public int rank() {
        return rank;
    }

    /** N. */
    public int ranks() {
        return peers.size();
    }

    /** Every rank, index = rank. */
    public List<Peer> peers() {
        return peers;
    }

    public Peer self() {
        return peers.get(rank);
    }

    /** The host of every rank, index = rank (what {@code NodeAssignment.fromHosts} takes). */
    public String[] hosts() {
        return peers.stream().map(Peer::host).toArray(String[]::new);
    }

    /** The run's secret, generated on the driver: peers prove they belong to this run with it (a copy). */
    public byte[] secret() {
        return secret.clone();
    }

    /**
     * Which attempt of the barrier stage this is: 0 first, then 1, 2, ... each time Spark reruns the whole stage
     * after a rank failed (a lost executor included). A rank that sees an attempt above 0 resumes from the newest
     * complete checkpoint instead of starting over.
     */
    public int attempt() {
        return barrier.stageAttemptNumber();
    }

    /**
     * The exchange listener bound on this rank's executor address, whose port every peer learnt; it refuses peers
     * without the run's secret, garbage and oversize frames. Open until the rank function returns (the rank's
     * {@link #exchange} takes it over).
     */
    public NetworkExchange.Listener listener() {
        return listener;
    }

    /**
     * Dials every peer's announced listener, proving the run's secret in both directions, and returns this rank's
     * exchange (once: a second call returns the same one). Collective: every rank calls it. It is closed when the
     * rank function returns; throws naming the first peer that cannot be reached or authenticated within
     * {@code cluster.exchange.connect-timeout-ms}.
     *
     * @param topology which ranks share a node, for the byte counts per traffic class and hierarchical dispatch
     */
    public synchronized NetworkExchange exchange(Topology topology) {
        if (exchange == null) {
            List<InetSocketAddress> addresses = peers.stream()
                    .map(p -> new InetSocketAddress(p.host(), p.port())).toList();
            exchange = listener.connect(topology, addresses);
        } else if (!exchange.topology().equals(topology)) {
            throw new IllegalStateException("rank " + rank + " already connected its exchange with " + exchange.topology()
                    + ", not " + topology);
        }
        return exchange;
    }

    /** The coordinator of the ranks: {@code allGather} through the Spark driver. */
    public Coordinator coordinator() {
        return new BarrierCoordinator(barrier);
    }

    /** Spark's barrier context: {@code barrier()} and {@code allGather} for later rounds among the ranks. */
    public BarrierTaskContext barrier() {
        return barrier;
    }

    /** Closes the exchange if one was made, else the listener: every socket of this rank. Idempotent. */
    void close() {
        NetworkExchange made = exchange;
        if (made != null) {
            made.close();
        }
        listener.close();
    }
}
