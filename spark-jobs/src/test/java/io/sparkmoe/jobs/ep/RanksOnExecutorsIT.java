package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.ExchangeConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.jobs.spark.SparkSessions;
import io.sparkmoe.jobs.testing.LocalCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ranks in executor JVMs of their own: Spark's {@code local-cluster[2,1,1024]} (a Master and two one-core Workers in
 * this JVM, each Worker starting an executor process), so the exchange crosses process boundaries and an executor can
 * die under the ranks.
 */
class RanksOnExecutorsIT {

    @TempDir
    static Path dir;
    static SparkSession spark;
    static JavaSparkContext sc;
    static ExchangeConfig exchange;

    @BeforeAll
    static void start() throws Exception {
        LocalCluster.assertClassPathUsable();
        SparkMoeConfig config = ConfigLoader.load(Optional.empty(), List.of(
                "cluster.master=" + LocalCluster.master(2, 1024), "cluster.spark.spark.ui.enabled=false",
                "cluster.spark.spark.executor.memory=768m",
                "cluster.exchange.connect-timeout-ms=20000", "cluster.exchange.read-timeout-ms=20000")).config();
        exchange = config.cluster().exchange();
        try (LocalCluster ignored = LocalCluster.enable(dir)) {
            spark = SparkSessions.start(config, "ranks-on-executors-it");
        }
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** Two ranks, two executor processes, neither of them this JVM: the mesh check crosses processes. */
    @Test
    void ranksInTwoExecutorJvmsConnectTheirExchanges() {
        List<String> ranks = BarrierRanks.run(sc, 2, exchange, ctx -> {
            long[] bytes = MeshCheck.bytesByClass(MeshCheck.run(ctx.exchange(Topology.of("a", "b"))));
            return ctx.self().executorId() + " " + ProcessHandle.current().pid() + " " + bytes[2];
        });
        Set<String> executors = ranks.stream().map(r -> r.split(" ")[0]).collect(Collectors.toSet());
        Set<String> pids = ranks.stream().map(r -> r.split(" ")[1]).collect(Collectors.toSet());
        assertEquals(2, executors.size(), "one rank per executor: " + ranks);
        assertEquals(2, pids.size(), "two processes: " + ranks);
        assertFalse(pids.contains(Long.toString(ProcessHandle.current().pid())), "not the driver's: " + ranks);
        for (String r : ranks) {
            assertNotEquals("0", r.split(" ")[2], "bytes crossed to the other rank: " + ranks);
        }
    }

    /**
     * Rank 1's executor is SIGKILLed in the middle of the first attempt. Its peer's exchange sees the connection
     * close and fails, the Master starts a replacement executor, and Spark reruns both ranks, which know they are
     * the second attempt; the rerun completes on the replacement.
     */
    @Test
    void anExecutorKilledUnderTheRanksIsReplacedAndTheStageRerun() throws Exception {
        Path killed = dir.resolve("killed-executor");
        String killedPath = killed.toString();
        List<String> ranks = BarrierRanks.run(sc, 2, exchange, ctx -> {
            var ex = ctx.exchange(Topology.singleNode(2));
            MeshCheck.run(ex);
            if (ctx.attempt() == 0 && ctx.rank() == 1) {
                Files.writeString(Path.of(killedPath), ctx.self().executorId());
                new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                Thread.sleep(60_000);
            }
            MeshCheck.run(ex);
            return ctx.attempt() + " " + ctx.self().executorId();
        });
        String lost = Files.readString(killed);
        assertEquals(List.of("1"), ranks.stream().map(r -> r.split(" ")[0]).distinct().toList(),
                "both ranks ran again, as the second attempt: " + ranks);
        assertTrue(ranks.stream().noneMatch(r -> r.endsWith(" " + lost)),
                "the killed executor " + lost + " ran nothing of the rerun: " + ranks);
    }
}
