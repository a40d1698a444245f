package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ClusterConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.spark.SparkSessions;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.train.MetricsWriter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sparkmoe train-ep}: expert-parallel training with the ranks as one Spark barrier stage, each rank a
 * {@code RankTrainer} over the network exchange between executors. A failed rank or a lost executor makes Spark
 * rerun the stage; the rerun ranks resume from the newest committed checkpoint.
 */
public final class TrainEpCommand implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(TrainEpCommand.class);
    static final String APP_NAME = "sparkmoe-train-ep";

    @Override
    public String name() {
        return "train-ep";
    }

    @Override
    public String summary() {
        return "expert-parallel training: cluster.ranks ranks as one Spark barrier stage";
    }

    @Override
    public String description() {
        return """
                Trains on the prepared data (data.output) with cluster.ranks ranks, one Spark barrier stage of
                that many tasks (refused at once if the cluster cannot run them together). Each rank holds
                model.moe.experts / cluster.ranks experts and a replica of everything else, reads its share of
                every global batch, and exchanges tokens and gradients with the others over authenticated
                connections (cluster.exchange.*). Rank 0 writes metrics.jsonl to the run directory, rank r
                metrics-rank0000r.jsonl; checkpoints (train.checkpoint-every) go to train.checkpoint-dir (any
                Hadoop URI such as hdfs://..., which every executor can reach), by default the run directory's
                checkpoints/. If a rank fails or its executor dies, Spark reruns all ranks (up to
                spark.stage.maxConsecutiveAttempts attempts) and they resume from the newest committed
                checkpoint, even where train.resume named another one for the first attempt. The driver prints rank 0's progress as it goes (every train.log-every steps),
                writes placement.json and prints the loss, tokens/s, bytes sent per traffic class and whether
                every rank ended with the same replicated weights. The run directory (run.dir) must be at the
                same path on every executor (one machine or a shared mount).""";
    }

    @Override
    public int run(Invocation inv) throws IOException {
        SparkMoeConfig config = inv.config().config();
        TrainCommand.open(config);
        BarrierSlots.refuseDynamicAllocation(SparkSessions.sparkConf(config, APP_NAME));
        RunDirectory runDir = RunDirectory.create(name(), inv.config());
        try (SparkSession spark = SparkSessions.start(config, APP_NAME)) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            return trainRanks(sc, inv.config(), runDir, inv.out()).consistent() ? 0 : 1;
        }
    }

    /**
     * What the ranks of one run returned, whether they ended with equal replicas and losses, and whether
     * {@code placement.json} was written (the ranks of each node consecutive).
     */
    record Trained(List<RankOutcome> outcomes, boolean replicasEqual, boolean placed) {

        boolean consistent() {
            return replicasEqual && placed;
        }
    }

    /**
     * Runs the ranks of {@code resolved} as one barrier stage on {@code sc}, in {@code runDir}, printing progress and
     * the outcome: the whole of {@code train-ep} after the Spark session is up, so the locality benchmark can run
     * several configurations in one session.
     */
    static Trained trainRanks(JavaSparkContext sc, io.sparkmoe.conf.ResolvedConfig resolved, RunDirectory runDir,
                              PrintStream out) throws IOException {
        SparkMoeConfig config = resolved.config();
        ClusterConfig cluster = config.cluster();
        out.printf("Spark %s, master %s: %d ranks, %d steps, run directory %s%n", sc.version(), sc.master(),
                cluster.ranks(), config.train().steps(), runDir.path());
        List<RankOutcome> outcomes;
        try (MetricsTail progress = new MetricsTail(runDir.path().resolve(MetricsWriter.FILE), out,
                config.train().logEvery(), config.train().steps()).start()) {
            outcomes = BarrierRanks.run(sc, cluster.ranks(), cluster.exchange(),
                    new TrainEpRank(resolved.render(), runDir.path().toUri().toString()));
        }
        boolean placed = writePlacement(config, outcomes, runDir, out);
        boolean same = summarize(config, outcomes, out);
        LOG.info("train-ep {}: run directory {}", same && placed ? "finished" : "FAILED", runDir.path());
        return new Trained(outcomes, same, placed);
    }

    /**
     * Writes the placement the ranks trained with to {@code placement.json}: the nodes of their hosts and the
     * experts each rank trains, as {@link RankLayout} gives them (every rank computed the same at its start); returns
     * false, saying so, if a rank nevertheless reports other experts.
     */
    static boolean writePlacement(SparkMoeConfig config, List<RankOutcome> outcomes, RunDirectory runDir,
                                  PrintStream out) throws IOException {
        String[] hosts = outcomes.stream().map(o -> o.host).toArray(String[]::new);
        ExpertPlacement placement = RankLayout.of(config, hosts);
        for (RankOutcome o : outcomes) {
            if (!Arrays.equals(o.experts, placement.localExperts(o.rank))) {
                out.printf("rank %d trained experts %s, but the placement gives %s (%s); placement.json not written%n",
                        o.rank, Arrays.toString(o.experts), Arrays.toString(placement.localExperts(o.rank)),
                        placement.nodes());
                return false;
            }
        }
        runDir.writeAtomically(ExpertPlacement.FILE, placement.toJson());
        return true;
    }

    /** Prints the outcome; returns whether every rank ended with the same replicated weights and losses. */
    static boolean summarize(SparkMoeConfig config, List<RankOutcome> outcomes, PrintStream out) {
        RankOutcome first = outcomes.get(0);
        long[] bytes = new long[3];
        boolean same = true;
        for (RankOutcome o : outcomes) {
            out.printf("rank %d  executor %s  host %s  attempt %d  experts %s  steps %d..%d  sent same-rank/same-node/"
                            + "remote %d/%d/%d B  replicas %s%n", o.rank, o.executorId, o.host, o.attempt,
                    Arrays.toString(o.experts), o.firstStep, o.firstStep + o.losses.length - 1, o.bytesByClass[0],
                    o.bytesByClass[1], o.bytesByClass[2], o.replicaHash);
            for (int c = 0; c < 3; c++) {
                bytes[c] += o.bytesByClass[c];
            }
            same &= o.replicaHash.equals(first.replicaHash) && Arrays.equals(o.losses, first.losses);
        }
        long tokens = (long) first.losses.length * config.train().batchSize() * config.model().seqLen();
        double seconds = outcomes.stream().mapToDouble(o -> o.seconds).max().orElse(0);
        if (first.attempt > 0) {
            out.printf("the ranks' stage was rerun: attempt %d resumed after step %d%n", first.attempt,
                    first.firstStep - 1);
        }
        out.printf("trained steps %d..%d: %d tokens in %.1f s (%.0f tokens/s; evaluations and checkpoints included)%n",
                first.firstStep,
                first.firstStep + first.losses.length - 1, tokens, seconds, seconds > 0 ? tokens / seconds : 0);
        out.printf("final loss %s%n", Double.toString(first.finalLoss()));
        out.printf("bytes sent, all ranks: same-rank %d, same-node %d, remote %d%n", bytes[0], bytes[1], bytes[2]);
        out.println(same ? "replicas: every rank holds the same replicated weights (" + first.replicaHash + ")"
                : "replicas DIFFER between ranks: the run is not consistent");
        return same;
    }
}
