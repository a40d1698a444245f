package io.sparkmoe.parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.InProcessExchange;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.checkpoint.CheckpointStore;

/**
 * An expert-parallel run with its ranks as threads of this JVM: one {@link InProcessExchange} group, one
 * {@link ThreadCoordinator} group, one {@link RankTrainer} per rank, each built and run on its own thread. A rank
 * that fails closes its exchange and breaks the coordinator, so the others fail at once instead of waiting out the
 * timeout (the exchange's {@code cluster.exchange.read-timeout-ms}); the first failure is rethrown.
 */
public final class InProcessRanks {

    private final SparkMoeConfig config;
    private final ShardSet data;
    private final Topology topology;
    private CheckpointStore checkpoints;
    private Path metricsDir;
    private final List<RankTrainer> trainers = new ArrayList<>();

    /** {@code topology.size()} ranks, placed on nodes as {@code topology} says. */
    public InProcessRanks(SparkMoeConfig config, ShardSet data, Topology topology) {
        this.config = config;
        this.data = data;
        this.topology = topology;
    }

    /** Checkpoints into (and resumes from) {@code store}, shared by the ranks. */
    public InProcessRanks withCheckpoints(CheckpointStore store) {
        this.checkpoints = store;
        return this;
    }

    /** Each rank writes its events to {@code metrics-rank%05d.jsonl} in {@code dir}. */
    public InProcessRanks withMetrics(Path dir) {
        this.metricsDir = dir;
        return this;
    }

    /** The file rank {@code rank}'s events go to under {@link #withMetrics}. */
    public static String metricsFile(int rank) {
        return String.format("metrics-rank%05d.jsonl", rank);
    }

    /** Runs every rank to {@code train.steps}; results in rank order. */
    public List<RankResult> run() {
        return run(config.train().steps());
    }

    /** The ranks' trainers of the last run, in rank order (their models hold the trained tensors). */
    public List<RankTrainer> trainers() {
        return List.copyOf(trainers);
    }

    /** Runs every rank up to {@code lastStep}, as {@link RankTrainer#run(int)}. */
    List<RankResult> run(int lastStep) {
        return run(trainer -> trainer.run(lastStep));
    }

    private List<RankResult> run(Function<RankTrainer, RankResult> body) {
        int n = topology.size();
        Duration timeout = Duration.ofMillis(config.cluster().exchange().readTimeoutMs());
        InProcessExchange.Group exchanges = InProcessExchange.group(topology, timeout);
        ThreadCoordinator.Group coordinators = ThreadCoordinator.group(n, timeout);
        RankTrainer[] built = new RankTrainer[n];
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RankResult>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    Thread.currentThread().setName("rank-" + rank);
                    try (InProcessExchange exchange = exchanges.rank(rank);
                         MetricsWriter metrics = metricsDir == null ? null
                                 : new MetricsWriter(Files.createDirectories(metricsDir).resolve(metricsFile(rank)))) {
                        try {
                            RankTrainer trainer = new RankTrainer(config, new RankSetup(rank, exchange,
                                    coordinators.rank(rank), data, checkpoints, metrics));
                            built[rank] = trainer;
                            return body.apply(trainer);
                        } catch (RuntimeException | Error e) {
                            coordinators.fail("rank " + rank + " failed: " + e);
                            throw e;
                        }
                    }
                }));
            }
            List<RankResult> results = new ArrayList<>();
            RuntimeException first = null;
            for (int r = 0; r < n; r++) {
                try {
                    results.add(futures.get(r).get());
                } catch (ExecutionException e) {
                    RuntimeException failure = e.getCause() instanceof RuntimeException
                            ? (RuntimeException) e.getCause()
                            : new IllegalStateException("rank " + r + " failed: " + e.getCause(), e.getCause());
                    if (first == null) {
                        first = failure;
                    } else {
                        first.addSuppressed(failure);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    coordinators.fail("interrupted");
                    throw new IllegalStateException("interrupted while waiting for rank " + r, e);
                }
            }
            if (first != null) {
                throw first;
            }
            trainers.clear();
            trainers.addAll(List.of(built));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
