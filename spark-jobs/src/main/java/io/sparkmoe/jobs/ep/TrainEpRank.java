package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.NetworkExchange;
import io.sparkmoe.exchange.TrafficClass;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.parallel.InProcessRanks;
import io.sparkmoe.parallel.RankResult;
import io.sparkmoe.parallel.RankSetup;
import io.sparkmoe.parallel.RankTrainer;
import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.placement.NodeAssignment;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import com.typesafe.config.ConfigUtil;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One rank of {@code sparkmoe train-ep}, as it runs in its barrier task: the nodes from the gathered hosts, its
 * network exchange and coordinator, its checkpoint store ({@code train.checkpoint-dir} or the run directory's, through
 * Hadoop) and metrics file, and its {@link RankTrainer}. On a rerun attempt it resumes from the newest committed
 * checkpoint, if there is one ({@link AttemptResume}).
 *
 * <p>Carries only text (the resolved configuration rendered as HOCON, a path): the task is Java-serialized and
 * every executor parses the configuration itself.
 */
final class TrainEpRank implements RankFunction<RankOutcome> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainEpRank.class);

    private final String configText;
    private final String runDir;

    /**
     * @param configText the run's resolved configuration ({@code ResolvedConfig.render()})
     * @param runDir     the run directory (a {@code file:} URI): the metrics files go in it, and the checkpoints to
     *                   its {@code checkpoints/} unless {@code train.checkpoint-dir} names another directory
     */
    TrainEpRank(String configText, String runDir) {
        this.configText = configText;
        this.runDir = runDir;
    }

    @Override
    public RankOutcome apply(RankContext ctx) throws Exception {
        SparkMoeConfig config = ConfigLoader.parse(configText, "the driver's configuration").config();
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        CheckpointStore checkpoints = CheckpointStore.of(hadoop, config.train().checkpoint(), runDir);
        String configured = config.train().checkpoint().resume();
        String resume = AttemptResume.resumeFor(ctx.attempt(), configured, ctx.attempt() == 0 ? Optional.empty()
                : checkpoints.latest().map(org.apache.hadoop.fs.Path::toString));
        if (!resume.equals(configured)) {
            // Every rank decides alike; rank 0's choice is the one the ranks resume from (RankTrainer agrees on it).
            LOG.warn("rank {}, attempt {}: resuming from {}", ctx.rank(), ctx.attempt(), resume);
            config = ConfigLoader.parse(configText + "\ntrain.resume = " + ConfigUtil.quoteString(resume) + "\n",
                    "the driver's configuration, resuming").config();
        } else if (ctx.attempt() > 0) {
            LOG.warn("rank {}, attempt {}: no committed checkpoint yet: starting as the first attempt did (train.resume"
                    + " = {})", ctx.rank(), ctx.attempt(), configured);
        }
        ExpertPlacement placement = RankLayout.of(config, ctx.hosts());
        NodeAssignment nodes = placement.nodes();
        NetworkExchange exchange = ctx.exchange(RanksCommand.topology(nodes));
        ShardSet data = TrainCommand.open(config);
        Path metricsFile = Path.of(java.net.URI.create(runDir)).resolve(
                ctx.rank() == 0 ? MetricsWriter.FILE : InProcessRanks.metricsFile(ctx.rank()));
        RankResult result;
        try (MetricsWriter metrics = Files.exists(metricsFile) ? MetricsWriter.continuing(metricsFile, 0)
                : new MetricsWriter(metricsFile)) {
            if (ctx.attempt() > 0) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("rank", ctx.rank());
                f.put("attempt", ctx.attempt());
                f.put("from", resume);
                metrics.write(AttemptResume.EVENT, AttemptResume.stepOf(resume), f);
            }
            RankTrainer trainer = new RankTrainer(config, new RankSetup(ctx.rank(), exchange, ctx.coordinator(), data,
                    checkpoints, metrics));
            result = trainer.run();
        }
        RankOutcome o = new RankOutcome();
        o.rank = ctx.rank();
        o.attempt = ctx.attempt();
        o.executorId = ctx.self().executorId();
        o.host = ctx.self().host();
        o.experts = placement.localExperts(ctx.rank());
        o.firstStep = result.firstStep();
        o.losses = result.losses();
        o.replicaHash = result.replicaHash();
        o.bytesByClass = new long[]{result.traffic().getOrDefault(TrafficClass.SAME_RANK, 0L),
                result.traffic().getOrDefault(TrafficClass.SAME_NODE, 0L),
                result.traffic().getOrDefault(TrafficClass.REMOTE, 0L)};
        o.seconds = result.seconds();
        return o;
    }
}
