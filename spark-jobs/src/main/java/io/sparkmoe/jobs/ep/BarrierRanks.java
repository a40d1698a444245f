package io.sparkmoe.jobs.ep;

import io.sparkmoe.engine.GpuSelection;
import io.sparkmoe.jobs.spark.TaskGpus;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a function on N ranks as one Spark barrier stage: N tasks that Spark starts together or not at all, rank =
 * partition id. Each rank opens a listening socket on its executor's host, then learns every peer's executor, host
 * and port through {@code BarrierTaskContext.allGather}, and runs the function with them and the run's secret; the
 * driver gets one result per rank, in rank order.
 *
 * <p>Before launching, {@link BarrierSlots#await} refuses dynamic allocation and a cluster that cannot run N tasks
 * at once, with a message saying what to change, instead of Spark's minutes of retries.
 *
 * <p>The secret: 32 random bytes from {@link SecureRandom} on the driver, a field of the stage's task function. It
 * reaches the executors inside the serialized task (Spark broadcasts the task binary through its block manager); it
 * is never put into the Spark configuration, the UI or the event log. On the wire it is as safe as Spark's own RPC
 * and block transfers: protect those with {@code spark.authenticate=true} and {@code spark.network.crypto.enabled=true}
 * (and {@code spark.io.encryption.enabled=true} for blocks spilled to executors' disks) on a shared network.
 */
public final class BarrierRanks {

    private static final Logger LOG = LoggerFactory.getLogger(BarrierRanks.class);
    static final int SECRET_BYTES = 32;

    private BarrierRanks() {
    }

    /** A fresh per-run secret. */
    public static byte[] newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    /** Runs {@code function} on {@code ranks} ranks with a fresh secret; one result per rank, in rank order. */
    public static <R> List<R> run(JavaSparkContext sc, int ranks, RankFunction<R> function) {
        return run(sc, ranks, newSecret(), function);
    }

    /** As {@link #run(JavaSparkContext, int, RankFunction)} with a given secret (the caller keeps it for its own use). */
    public static <R> List<R> run(JavaSparkContext sc, int ranks, byte[] secret, RankFunction<R> function) {
        if (ranks < 1) {
            throw new IllegalArgumentException("cluster.ranks must be >= 1, got " + ranks);
        }
        int slots = BarrierSlots.await(sc.sc(), ranks);
        LOG.info("launching {} ranks as one barrier stage ({} task slots registered)", ranks, slots);
        RDD<Integer> partitions = sc.parallelize(IntStream.range(0, ranks).boxed().toList(), ranks).rdd();
        ClassTag<Object> anyRef = ClassTag$.MODULE$.AnyRef();
        Object collected = partitions.barrier().mapPartitions(new RankTask<>(function, secret, ranks), false, anyRef)
                .collect();
        List<R> results = new ArrayList<>();
        for (Object o : (Object[]) collected) {
            @SuppressWarnings("unchecked")
            R r = (R) o;
            results.add(r);
        }
        if (results.size() != ranks) {
            throw new IllegalStateException("the barrier stage returned " + results.size() + " results for " + ranks + " ranks");
        }
        return results;
    }

    /** The barrier task: Scala's function type, since the Java API has no {@code barrier()}. */
    static final class RankTask<R> extends AbstractFunction1<Iterator<Integer>, Iterator<Object>> implements Serializable {

        private static final long serialVersionUID = 1L;

        private final RankFunction<R> function;
        private final byte[] secret;
        private final int ranks;

        RankTask(RankFunction<R> function, byte[] secret, int ranks) {
            this.function = function;
            this.secret = secret.clone();
            this.ranks = ranks;
        }

        @Override
        public Iterator<Object> apply(Iterator<Integer> ignored) {
            BarrierTaskContext barrier = BarrierTaskContext.get();
            int rank = barrier.partitionId();
            String executorId = SparkEnv.get().executorId();
            // The address Spark knows the executor by: distinct per (emulated) host, unlike the host name.
            String host = SparkEnv.get().blockManager().blockManagerId().host();
            try (ServerSocketChannel listener = ServerSocketChannel.open()) {
                try {
                    listener.bind(new InetSocketAddress(host, 0), ranks);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("rank " + rank + " could not listen on its executor's address "
                            + host + ": " + e.getMessage(), e);
                }
                int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
                String[] messages = barrier.allGather(new Peer(rank, executorId, host, port).encode());
                if (messages.length != ranks) {
                    throw new IllegalStateException("rank " + rank + " gathered " + messages.length + " peers, expected " + ranks);
                }
                List<Peer> peers = new ArrayList<>();
                for (int r = 0; r < messages.length; r++) {
                    peers.add(Peer.decode(messages[r], r));
                }
                // A rank computes on the GPU Spark assigned to its task (spark.task.resource.gpu.amount), if any.
                GpuSelection gpu = GpuSelection.forThisThread(TaskGpus.addresses());
                Object result = function.apply(new RankContext(rank, peers, secret, listener, barrier, gpu));
                return JavaConverters.asScalaIterator(java.util.Collections.singletonList(result).iterator());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("rank " + rank + " failed: " + e, e);
            }
        }
    }
}
