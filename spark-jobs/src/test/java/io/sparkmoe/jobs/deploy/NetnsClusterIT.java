package io.sparkmoe.jobs.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The emulated multi-host cluster of {@code deploy/netns-cluster.sh}: two hosts as network namespaces
 * behind a bandwidth-limited link, a Worker in each, the application submitted to them, and nothing left
 * behind by {@code down}. Needs root and iproute2; skipped with a message otherwise.
 */
class NetnsClusterIT {

    static final int RATE_MBIT = 200;

    @TempDir
    static Path dir;

    @BeforeAll
    static void up() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean iproute = Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"));
        assumeTrue(root && iproute, "NetnsClusterIT needs root and iproute2 (ip, tc): skipped");
        Scripts.assertBuilt();
        Scripts.Result r = Scripts.run(180, "deploy/netns-cluster.sh", "up", "--hosts", "2", "--rate",
                RATE_MBIT + "mbit", "--delay", "1ms", "--dir", dir.toString());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("2 workers, one per host"), r.output());
    }

    @AfterAll
    static void down() throws Exception {
        if (dir == null || !Files.isDirectory(dir.resolve("pids"))) {
            return;
        }
        Scripts.Result r = Scripts.run(90, "deploy/netns-cluster.sh", "down", "--dir", dir.toString());
        assertEquals(0, r.code(), r.output());
        Scripts.Result netns = Scripts.run(10, "deploy/tools/sh.sh", "ip netns list; ip -o link show");
        assertFalse(netns.output().contains("smoe-"), "namespaces or links left behind:\n" + netns.output());
        assertFalse(ProcessHandle.allProcesses().anyMatch(
                p -> p.info().commandLine().map(c -> c.contains("-Dsparkmoe.cluster.dir=" + dir)).orElse(false)),
                "processes left behind");
        Scripts.removeSparkHome(dir);
    }

    @Test
    void hostsReachEachOtherOnlyThroughTheLimitedLink() throws Exception {
        Scripts.Result route = Scripts.run(10, "deploy/netns-cluster.sh", "exec", "1", "ip", "route");
        assertEquals("198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.11", route.output().strip());

        long bytes = 4L << 20;
        CompletableFuture<Scripts.Result> server = CompletableFuture.supplyAsync(() -> {
            try {
                return Scripts.run(90, "deploy/netns-cluster.sh", "exec", "2", "python3", "deploy/tools/linkbench.py",
                        "serve", "198.18.0.12", "5001", String.valueOf(bytes));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Scripts.Result client = Scripts.run(90, "deploy/netns-cluster.sh", "exec", "1", "python3",
                "deploy/tools/linkbench.py", "send", "198.18.0.12", "5001", String.valueOf(bytes));
        assertEquals(0, client.code(), client.output());
        assertEquals(0, server.get().code(), server.get().output());
        JsonNode m = new ObjectMapper().readTree(client.output().strip().lines().reduce((a, b) -> b).orElseThrow());
        double mbit = m.get("mbit_per_s").asDouble();
        System.out.printf("host 1 -> host 2: %d bytes in %.3f s = %.1f Mbit/s (link limited to %d Mbit/s)%n",
                bytes, m.get("seconds").asDouble(), mbit, RATE_MBIT);
        // The shaping is in force: a bounded transfer cannot beat the configured rate by much (burst).
        assertTrue(mbit > 0 && mbit < RATE_MBIT * 1.25, "measured " + mbit + " Mbit/s");
    }

    @Test
    void executorsRunOnDifferentEmulatedHosts() throws Exception {
        Scripts.Result r = Scripts.run(240, "deploy/tools/sh.sh", "SPARK_LOCAL_IP=198.18.0.1 deploy/submit.sh --dir "
                + dir + " --conf spark.driver.host=198.18.0.1 --conf spark.scheduler.minRegisteredResourcesRatio=1.0"
                + " check --tasks 4 run.dir=" + dir.resolve("runs"));
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("check passed"), r.output());
        assertEquals(Set.of("198.18.0.11", "198.18.0.12"), Scripts.hosts(r.output()), r.output());
    }
}
