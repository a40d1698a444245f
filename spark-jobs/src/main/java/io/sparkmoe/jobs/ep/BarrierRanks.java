package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ExchangeConfig;
import io.sparkmoe.engine.GpuSelection;
import io.sparkmoe.exchange.NetworkExchange;
import io.sparkmoe.jobs.spark.TaskGpus;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a function on N ranks as one Spark barrier stage: N tasks that Spark starts together or not at all, rank =
 * partition id. Each rank opens its exchange listener on its executor's host, then learns every peer's executor, host
 * and port through {@code BarrierTaskContext.allGather}, and runs the function with them and the run's secret (it
 * connects the {@link io.sparkmoe.exchange.NetworkExchange} with {@link RankContext#exchange}); the driver gets one
 * result per rank, in rank order. When a rank fails or its executor dies, Spark reruns all of them (see
 * {@link #run(JavaSparkContext, int, byte[], ExchangeConfig, RankFunction)}).
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

    /**
     * Runs {@code function} on {@code ranks} ranks with a fresh secret and the exchange settings of
     * {@code cluster.exchange}; one result per rank, in rank order.
     */
    public static <R> List<R> run(JavaSparkContext sc, int ranks, ExchangeConfig exchange, RankFunction<R> function) {
        return run(sc, ranks, newSecret(), exchange, function);
    }

    /**
     * As {@link #run(JavaSparkContext, int, ExchangeConfig, RankFunction)} with a given secret (the caller keeps it
     * for its own use).
     *
     * <p>The ranks' stage is the map side of a shuffle (its results go through one), not the job's final stage: Spark
     * reruns a failed barrier map stage as a whole, up to {@code spark.stage.maxConsecutiveAttempts} times (default
     * 4), but aborts the job when a barrier result stage fails. So a rank that fails, or an executor that dies,
     * costs one stage attempt, and the rerun ranks see {@link RankContext#attempt()} above 0.
     */
    public static <R> List<R> run(JavaSparkContext sc, int ranks, byte[] secret, ExchangeConfig exchange,
                                  RankFunction<R> function) {
        if (ranks < 1) {
            throw new IllegalArgumentException("cluster.ranks must be >= 1, got " + ranks);
        }
        int slots = BarrierSlots.await(sc.sc(), ranks);
        LOG.info("launching {} ranks as one barrier stage ({} task slots registered)", ranks, slots);
        RDD<Integer> partitions = sc.parallelize(IntStream.range(0, ranks).boxed().toList(), ranks).rdd();
        ClassTag<Tuple2<Integer, Object>> pairs = ClassTag$.MODULE$.apply(Tuple2.class);
        RDD<Tuple2<Integer, Object>> rankResults = partitions.barrier()
                .mapPartitions(new RankTask<>(function, secret, ranks, exchange), false, pairs);
        RankStageListener listener = new RankStageListener(ranks);
        sc.sc().addSparkListener(listener);
        List<Tuple2<Integer, Object>> collected;
        try {
            collected = JavaRDD.fromRDD(rankResults, pairs).repartition(1).collect();
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        Object[] byRank = new Object[ranks];
        for (Tuple2<Integer, Object> pair : collected) {
            byRank[pair._1()] = pair._2();
        }
        if (collected.size() != ranks) {
            throw new IllegalStateException("the barrier stage returned " + collected.size() + " results for " + ranks + " ranks");
        }
        List<R> results = new ArrayList<>();
        for (Object o : byRank) {
            @SuppressWarnings("unchecked")
            R r = (R) o;
            results.add(r);
        }
        return results;
    }

    /** The barrier task: Scala's function type, since the Java API has no {@code barrier()}. */
    static final class RankTask<R> extends AbstractFunction1<Iterator<Integer>, Iterator<Tuple2<Integer, Object>>>
            implements Serializable {

        private static final long serialVersionUID = 2L;
        /** How often a rank looks whether Spark has killed its task (its stage attempt failed elsewhere). */
        private static final long KILL_POLL_MS = 200;

        private final RankFunction<R> function;
        private final byte[] secret;
        private final int ranks;
        // The settings' parts, not NetworkExchange.Settings: the task is Java-serialized and that record is not.
        private final int connectTimeoutMs;
        private final int readTimeoutMs;
        private final int maxFrameBytes;

        RankTask(RankFunction<R> function, byte[] secret, int ranks, ExchangeConfig exchange) {
            this.function = function;
            this.secret = secret.clone();
            this.ranks = ranks;
            this.connectTimeoutMs = exchange.connectTimeoutMs();
            this.readTimeoutMs = exchange.readTimeoutMs();
            this.maxFrameBytes = exchange.maxFrameBytes();
        }

        @Override
        public Iterator<Tuple2<Integer, Object>> apply(Iterator<Integer> ignored) {
            BarrierTaskContext barrier = BarrierTaskContext.get();
            int rank = barrier.partitionId();
            String executorId = SparkEnv.get().executorId();
            // The address Spark knows the executor by: distinct per (emulated) host, unlike the host name.
            String host = SparkEnv.get().blockManager().blockManagerId().host();
            NetworkExchange.Settings settings = new NetworkExchange.Settings(Duration.ofMillis(connectTimeoutMs),
                    Duration.ofMillis(readTimeoutMs), maxFrameBytes);
            NetworkExchange.Listener listener = NetworkExchange.listen(rank, ranks, secret, settings,
                    new InetSocketAddress(host, 0));
            RankContext context = null;
            Thread killWatch = null;
            try {
                int port = listener.address().getPort();
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
                context = new RankContext(rank, peers, secret, listener, barrier, gpu);
                killWatch = closeWhenKilled(barrier, context);
                Object result = function.apply(context);
                return JavaConverters.asScalaIterator(
                        java.util.Collections.singletonList(new Tuple2<>(rank, result)).iterator());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("rank " + rank + " failed: " + e, e);
            } finally {
                if (killWatch != null) {
                    killWatch.interrupt();
                }
                if (context != null) {
                    context.close();
                } else {
                    listener.close();
                }
            }
        }

        /**
         * When a barrier stage attempt fails, Spark kills its other tasks without interrupting their threads; a rank
         * waiting on its peers would then sit out the whole read timeout, holding the slot the rerun needs. This
         * watch closes the rank's sockets as soon as Spark marks the task killed, which fails the wait at once.
         */
        private static Thread closeWhenKilled(BarrierTaskContext barrier, RankContext context) {
            Thread watch = new Thread(() -> {
                try {
                    while (!barrier.isInterrupted()) {
                        Thread.sleep(KILL_POLL_MS);
                    }
                    LOG.warn("rank {}: Spark killed this task ({}); closing its exchange", context.rank(),
                            barrier.getKillReason().isDefined() ? barrier.getKillReason().get() : "no reason given");
                    context.close();
                } catch (InterruptedException e) {
                    // the rank finished: nothing to watch
                }
            }, "sparkmoe-rank-" + context.rank() + "-kill-watch");
            watch.setDaemon(true);
            watch.start();
            return watch;
        }
    }
}
