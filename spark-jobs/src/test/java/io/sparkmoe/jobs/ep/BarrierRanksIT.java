package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.ExchangeConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.exchange.ExchangeException;
import io.sparkmoe.exchange.NetworkExchange;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.exchange.TrafficCounter;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ranks as a barrier stage on {@code local[4]}: four task slots in one JVM, real barrier context, network exchange
 * over loopback and Kryo. A failed stage is rerun once ({@code spark.stage.maxConsecutiveAttempts=2}), so the
 * failure tests see both attempts fail and the retry test sees one rerun.
 */
class BarrierRanksIT {

    static SparkSession spark;
    static JavaSparkContext sc;
    /** Short timeouts: the failure tests wait for them (twice, once per attempt). */
    static ExchangeConfig exchange;

    @BeforeAll
    static void start() {
        SparkMoeConfig config = ConfigLoader.load(Optional.empty(),
                List.of("cluster.master=local[4]", "cluster.spark.spark.ui.enabled=false",
                        "cluster.spark.spark.stage.maxConsecutiveAttempts=2",
                        "cluster.exchange.connect-timeout-ms=10000", "cluster.exchange.read-timeout-ms=3000")).config();
        exchange = config.cluster().exchange();
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
        List<String> seen = BarrierRanks.run(sc, 4, secret, exchange, ctx -> ctx.rank() + "|" + ctx.peers() + "|"
                + HexFormat.of().formatHex(ctx.secret()) + "|" + ctx.listener().address().getPort());
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

    /** The ports are real: every rank's exchange reaches every other, and the three collectives work over it. */
    @Test
    void ranksConnectTheirExchangesAndCheckTheMesh() {
        List<String> bytes = BarrierRanks.run(sc, 4, exchange, ctx -> {
            TrafficCounter.Snapshot sent = MeshCheck.run(ctx.exchange(Topology.of("a", "a", "b", "b")));
            return java.util.Arrays.toString(MeshCheck.bytesByClass(sent));
        });
        assertEquals(4, bytes.size());
        for (String b : bytes) {
            assertTrue(b.matches("\\[[1-9]\\d*, [1-9]\\d*, [1-9]\\d*\\]"), "every class carried bytes: " + bytes);
        }
        assertEquals(List.of(0), BarrierRanks.run(sc, 1, exchange, ctx -> {
            MeshCheck.run(ctx.exchange(Topology.singleNode(1)));
            return ctx.rank();
        }), "a single rank has a mesh of itself");
    }

    /**
     * A rank posing with another secret cannot connect to any peer (it learns the peer cannot prove the secret it
     * holds, so it never sends them anything), and the run goes on over the real exchanges.
     */
    @Test
    void aPeerWithoutTheSecretIsRefusedAndTheRunGoesOn() {
        List<String> outcome = BarrierRanks.run(sc, 3, exchange, ctx -> {
            List<InetSocketAddress> addresses = ctx.peers().stream()
                    .map(p -> new InetSocketAddress(p.host(), p.port())).toList();
            String impostor = "";
            if (ctx.rank() == 1) {
                try (NetworkExchange.Listener other = NetworkExchange.listen(1, 3, BarrierRanks.newSecret(),
                        new NetworkExchange.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), 1 << 20),
                        new InetSocketAddress(ctx.self().host(), 0))) {
                    other.connect(Topology.singleNode(3), addresses).close();
                    impostor = "CONNECTED";
                } catch (ExchangeException e) {
                    impostor = e.getMessage();
                }
            }
            ctx.barrier().barrier();
            MeshCheck.run(ctx.exchange(Topology.singleNode(3)));
            return impostor;
        });
        assertTrue(outcome.get(1).contains("rank 0 at ") && outcome.get(1).contains("failed to prove the run secret"),
                outcome.get(1));
    }

    /**
     * A rank that connects and then goes silent fails the stage through its peers' read timeout, each attempt, with
     * a message naming it; the other ranks are released, not left waiting (the test would hang otherwise).
     */
    @Test
    void aSilentPeerFailsTheStageWithinTheReadTimeout() {
        SparkException e = assertThrows(SparkException.class, () -> BarrierRanks.run(sc, 3, exchange, ctx -> {
            NetworkExchange ex = ctx.exchange(Topology.singleNode(3));
            if (ctx.rank() == 2) {
                while (!ctx.barrier().isInterrupted()) {
                    Thread.sleep(50);
                }
                return "killed";
            }
            MeshCheck.run(ex);
            return "checked";
        }));
        assertTrue(String.valueOf(e.getMessage()).matches("(?s).*has failed the maximum allowable number of times: 2.*"
                + "waited 3000 ms for rank 2 at \\S+ in DISPATCH \\(call #\\d+\\) and nothing arrived.*"), e.getMessage());
    }

    /** A rank that fails on the first attempt makes Spark rerun all of them; the rerun ranks know their attempt. */
    @Test
    void aFailedRankIsRerunWithAllItsPeers() {
        List<Integer> attempts = BarrierRanks.run(sc, 2, exchange, ctx -> {
            if (ctx.attempt() == 0 && ctx.rank() == 1) {
                throw new IllegalStateException("rank 1 fails its first attempt");
            }
            MeshCheck.run(ctx.exchange(Topology.singleNode(2)));
            return ctx.attempt();
        });
        assertEquals(List.of(1, 1), attempts);
    }

    /** The coordinator (Spark's barrier) stays usable inside the function for further rounds among the ranks. */
    @Test
    void ranksCanGatherAgain() {
        List<Integer> sums = BarrierRanks.run(sc, 3, exchange, ctx -> {
            String[] all = ctx.coordinator().allGather(Integer.toString(10 * (ctx.rank() + 1)));
            return java.util.Arrays.stream(all).mapToInt(Integer::parseInt).sum();
        });
        assertEquals(List.of(60, 60, 60), sums);
    }

    @Test
    void moreRanksThanSlotsFailBeforeLaunchingSayingWhatToChange() {
        RanksUnavailableException e = assertThrows(RanksUnavailableException.class,
                () -> BarrierRanks.run(sc, 5, exchange, ctx -> ctx.rank()));
        assertTrue(e.getMessage().contains("cluster.ranks = 5 needs 5 tasks running at once")
                && e.getMessage().contains("master local[4] runs 4 at a time")
                && e.getMessage().contains("cluster.master=local[5]"), e.getMessage());
        assertEquals(4, BarrierSlots.slots(sc.sc()));
    }
}
