package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ClusterConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.spark.SparkSessions;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.placement.NodeAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code sparkmoe ranks}: the first part of expert-parallel training, run on its own as a check of the cluster. It
 * starts {@code cluster.ranks} ranks as one barrier stage (refusing at once when the cluster cannot run them
 * together), lets them find each other and check that they can connect, computes the expert placement from the
 * nodes they are on and writes it to the run directory.
 */
public final class RanksCommand implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(RanksCommand.class);
    static final String APP_NAME = "sparkmoe-ranks";

    @Override
    public String name() {
        return "ranks";
    }

    @Override
    public String summary() {
        return "start the expert-parallel ranks, check they connect, write the expert placement";
    }

    @Override
    public String description() {
        return """
                Runs cluster.ranks tasks as one Spark barrier stage (rank = partition id), after checking that
                the executors can run them all at once and that dynamic allocation is off (else it stops at
                once and says what to change). Each rank opens its exchange port on its executor, learns every
                peer's executor, host and port, connects to every peer proving the run's secret both ways, and
                checks the mesh with one all-to-all, all-reduce and barrier (bytes sent per class reported).
                Ranks on one host share a node (cluster.ranks-per-node emulates nodes instead). The driver
                places model.moe.experts experts, E/N per rank, each node's group of consecutive experts on
                that node, writes placement.json to the run directory and prints each rank and the
                expert -> rank table. Exits non-zero if a rank's own placement disagrees with the driver's.""";
    }

    @Override
    public int run(Invocation inv) throws IOException {
        SparkMoeConfig config = inv.config().config();
        ClusterConfig cluster = config.cluster();
        int ranks = cluster.ranks();
        int experts = config.model().moe().experts();
        // Refused before Spark starts or a run directory appears.
        BarrierSlots.refuseDynamicAllocation(SparkSessions.sparkConf(config, APP_NAME));
        RunDirectory runDir = RunDirectory.create(name(), inv.config());
        try (SparkSession spark = SparkSessions.start(config, APP_NAME)) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<RankReport> reports = BarrierRanks.run(sc, ranks, cluster.exchange(),
                    rankFunction(experts, cluster.ranksPerNode()));
            String[] hosts = reports.stream().map(r -> r.host).toArray(String[]::new);
            NodeAssignment nodes = NodeAssignment.resolve(cluster.ranksPerNode(), hosts);
            ExpertPlacement placement = ExpertPlacement.compute(experts, nodes);
            inv.out().printf("Spark %s, master %s, %d ranks in one barrier stage%n", sc.version(), sc.master(), ranks);
            boolean agree = true;
            for (RankReport r : reports) {
                boolean same = Arrays.equals(r.localExperts, placement.localExperts(r.rank));
                agree &= same && r.peersSeen == ranks;
                inv.out().printf("rank %d  executor %s  host %s  port %d  gpu %s  node %d  peers %d  experts %s"
                                + "  sent same-rank/same-node/remote %d/%d/%d B%s%n", r.rank, r.executorId, r.host, r.port,
                        r.gpu, nodes.nodeOf(r.rank), r.peersSeen, Arrays.toString(r.localExperts), r.bytesByClass[0],
                        r.bytesByClass[1], r.bytesByClass[2],
                        same ? "" : "  DISAGREES with the driver's " + Arrays.toString(placement.localExperts(r.rank)));
            }
            inv.out().printf("%d node(s) %s: %s%n", nodes.nodes(), cluster.ranksPerNode().isPresent()
                    ? "emulated (cluster.ranks-per-node = " + cluster.ranksPerNode().get() + ")" : "from executor hosts", nodes);
            runDir.writeAtomically(ExpertPlacement.FILE, placement.toJson());
            inv.out().printf("placement: %d experts, %d per rank -> %s%n", experts, placement.expertsPerRank(),
                    runDir.path().resolve(ExpertPlacement.FILE));
            inv.out().print(placement.table());
            inv.out().println(agree ? "ranks passed" : "ranks FAILED");
            LOG.info("ranks {}: {}; run directory {}", agree ? "passed" : "failed", nodes, runDir.path());
            return agree ? 0 : 1;
        }
    }

    /**
     * What each rank does: its own nodes and placement from the gathered hosts (a rank of {@code train-ep} needs its
     * experts without asking the driver), then its network exchange to every peer and the {@link MeshCheck} through
     * it. Captures only serializable values.
     */
    static RankFunction<RankReport> rankFunction(int experts, Optional<Integer> ranksPerNodeSetting) {
        Integer ranksPerNode = ranksPerNodeSetting.orElse(null);
        return ctx -> {
            NodeAssignment nodes = NodeAssignment.resolve(Optional.ofNullable(ranksPerNode), ctx.hosts());
            long[] bytes = MeshCheck.bytesByClass(MeshCheck.run(ctx.exchange(topology(nodes))));
            RankReport r = new RankReport();
            r.rank = ctx.rank();
            r.executorId = ctx.self().executorId();
            r.host = ctx.self().host();
            r.port = ctx.self().port();
            r.gpu = ctx.gpu().address().orElse("none");
            r.peersSeen = ctx.ranks();
            r.localExperts = ExpertPlacement.compute(experts, nodes).localExperts(ctx.rank());
            r.bytesByClass = bytes;
            r.attempt = ctx.attempt();
            return r;
        };
    }

    /** The exchange's view of {@code nodes}: each rank's node name, so ranks on one node count as same-node. */
    static Topology topology(NodeAssignment nodes) {
        List<String> names = new java.util.ArrayList<>();
        for (int rank = 0; rank < nodes.ranks(); rank++) {
            names.add(nodes.name(nodes.nodeOf(rank)));
        }
        return Topology.of(names);
    }
}
