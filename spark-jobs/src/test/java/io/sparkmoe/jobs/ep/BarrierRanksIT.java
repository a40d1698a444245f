package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranks as a barrier stage on {@code local[4]}: four task slots in one JVM, real barrier context and Kryo. */
class BarrierRanksIT {

    static SparkSession spark;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        SparkMoeConfig config = ConfigLoader.load(Optional.empty(),
                List.of("cluster.master=local[4]", "cluster.spark.spark.ui.enabled=false")).config();
        spark = SparkSessions.start(config, "barrier-ranks-it");
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Each rank returns what it learnt: its rank, every peer's rank, host and port, the secret in hex. */
    @Test
    void everyRankLearnsEveryPeerAndTheDriversSecret() {
        byte[] secret = BarrierRanks.newSecret();
        List<String> seen = BarrierRanks.run(sc, 4, secret, ctx -> ctx.rank() + "|" + ctx.peers() + "|"
                + HexFormat.of().formatHex(ctx.secret()) + "|" + ctx.listener().socket().getLocalPort());
        assertEquals(4, seen.size());
        String peers = seen.get(0).split("\\|")[1];
        Set<Integer> ports = new HashSet<>();
        for (int r = 0; r < 4; r++) {
            String[] f = seen.get(r).split("\\|");
            assertEquals(Integer.toString(r), f[0], "results come back in rank order");
            assertEquals(peers, f[1], "every rank sees the same peers");
            assertEquals(HexFormat.of().formatHex(secret), f[2]);
            assertTrue(peers.contains("Peer[rank=" + r + ", executorId=driver, host=") && peers.contains("port=" + f[3] + "]"),
                    "rank " + r + " announced the port it listens on: " + peers);
            ports.add(Integer.parseInt(f[3]));
        }
        assertEquals(4, ports.size(), "each rank has its own port");
    }

    /** The ports are real: each rank reaches the next one and proves it holds the secret. */
    @Test
    void ranksConnectInARingWithTheSecret() {
        List<Integer> done = BarrierRanks.run(sc, 4, ctx -> {
            PeerRing.check(ctx, 10_000, 30_000);
            return ctx.rank();
        });
        assertEquals(List.of(0, 1, 2, 3), done);
        assertEquals(List.of(0), BarrierRanks.run(sc, 1, ctx -> {
            PeerRing.check(ctx, 10_000, 30_000);
            return ctx.rank();
        }), "a single rank connects to itself");
    }

    /** A rank with another secret is caught by the rank it connects to, which names it. */
    @Test
    void aPeerWithoutTheSecretFailsTheStage() {
        SparkException e = assertThrows(SparkException.class, () -> BarrierRanks.run(sc, 3, ctx -> {
            byte[] secret = ctx.rank() == 1 ? BarrierRanks.newSecret() : ctx.secret();
            PeerRing.check(new RankContext(ctx.rank(), ctx.peers(), secret, ctx.listener(), ctx.barrier(), ctx.gpu()), 10_000, 30_000);
            return ctx.rank();
        }));
        // Rank 1 fails to prove itself to rank 2 and fails to verify rank 0: whichever is seen first is reported.
        assertTrue(String.valueOf(e.getMessage()).matches("(?s).*rank (2: the proof from rank 1|1: the proof from rank 0) .*"
                + "does not match this rank's secret: one of the two does not hold this run's secret.*"), e.getMessage());
    }

    /** The barrier stays usable inside the function for further rounds among the ranks. */
    @Test
    void ranksCanGatherAgain() {
        List<Integer> sums = BarrierRanks.run(sc, 3, ctx -> {
            String[] all = ctx.barrier().allGather(Integer.toString(10 * (ctx.rank() + 1)));
            return java.util.Arrays.stream(all).mapToInt(Integer::parseInt).sum();
        });
        assertEquals(List.of(60, 60, 60), sums);
    }

    @Test
    void moreRanksThanSlotsFailBeforeLaunchingSayingWhatToChange() {
        RanksUnavailableException e = assertThrows(RanksUnavailableException.class,
                () -> BarrierRanks.run(sc, 5, ctx -> ctx.rank()));
        assertTrue(e.getMessage().contains("cluster.ranks = 5 needs 5 tasks running at once")
                && e.getMessage().contains("master local[4] runs 4 at a time")
                && e.getMessage().contains("cluster.master=local[5]"), e.getMessage());
        assertEquals(4, BarrierSlots.slots(sc.sc()));
    }
}
