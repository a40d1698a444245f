package io.sparkmoe.jobs.ep;

import io.sparkmoe.engine.GpuSelection;

import org.apache.spark.BarrierTaskContext;

import java.nio.channels.ServerSocketChannel;
import java.util.List;

/**
 * What a rank knows inside the barrier stage: its rank, every peer (in rank order, itself included), the run's
 * secret, the listening socket it announced to its peers, its GPU, and the barrier itself for further synchronisation.
 */
public final class RankContext {

    private final int rank;
    private final List<Peer> peers;
    private final byte[] secret;
    private final ServerSocketChannel listener;
    private final BarrierTaskContext barrier;
    private final GpuSelection gpu;

    RankContext(int rank, List<Peer> peers, byte[] secret, ServerSocketChannel listener, BarrierTaskContext barrier,
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
     * The socket bound on this rank's host whose port every peer learnt; open (and in blocking mode) until the rank
     * function returns. A network exchange accepts its peers' connections on it.
     */
    public ServerSocketChannel listener() {
        return listener;
    }

    /** Spark's barrier context: {@code barrier()} and {@code allGather} for later rounds among the ranks. */
    public BarrierTaskContext barrier() {
        return barrier;
    }
}
