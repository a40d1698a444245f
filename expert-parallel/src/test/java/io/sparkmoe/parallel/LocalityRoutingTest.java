package io.sparkmoe.parallel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.Topology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The locality-aware routing options run distributed on two nodes (ranks 0, 1 on one; 2, 3 on the other; one expert
 * per rank), and the node limit and the locality loss cut the bytes that cross nodes against plain top-k on the same
 * data: with top-2 of four experts a token needs the other node unless both its experts are local, under a limit of
 * one node only when that node is the other one; the locality loss (weight 1 here, to act within a few steps) pulls
 * the gate towards the token's own node. Top-1 routers (switch, grap, hash) are run and reported, not ranked: their
 * differences are a few percent on this data.
 */
class LocalityRoutingTest {

    private static final int STEPS = 8;

    @TempDir
    static Path dir;

    static ShardSet data;

    @BeforeAll
    static void data() throws IOException {
        data = TinyRuns.data(dir);
    }

    @Test
    void localityOptionsRunDistributedAndTheNodeLimitSendsFewerBytesAcrossNodes() throws IOException {
        Map<String, String[]> variants = new LinkedHashMap<>();
        variants.put("topk", new String[]{"routing.router=topk"});
        variants.put("topk+locality-loss", new String[]{"routing.router=topk", "routing.aux.locality=1.0"});
        variants.put("topk+group-limit", new String[]{"routing.router=topk", "routing.group-limit=1"});
        variants.put("switch", new String[]{"routing.router=switch", "routing.top-k=1"});
        variants.put("grap", new String[]{"routing.router=grap", "routing.top-k=1"});
        variants.put("hash", new String[]{"routing.router=hash", "routing.top-k=1"});
        Map<String, Long> remote = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> v : variants.entrySet()) {
            String[] options = new String[v.getValue().length + 2];
            options[0] = "cluster.ranks=4";
            options[1] = "train.steps=" + STEPS;
            System.arraycopy(v.getValue(), 0, options, 2, v.getValue().length);
            Path metrics = dir.resolve(v.getKey());
            List<RankResult> results = new InProcessRanks(TinyRuns.config(options), data,
                    Topology.of("a", "a", "b", "b")).withMetrics(metrics).run();
            remote.put(v.getKey(), moeRemoteBytes(metrics));
            System.out.println(v.getKey() + ": rank 0 " + results.get(0).breakdown() + ", sent " + results.get(0).traffic());
        }
        System.out.println("bytes sent across nodes by the MoE layers over " + STEPS + " steps, 4 ranks on 2 nodes: "
                + remote);
        assertTrue(remote.get("topk+group-limit") < remote.get("topk"), remote.toString());
        assertTrue(remote.get("topk+locality-loss") < remote.get("topk"), remote.toString());
    }

    /** Bytes of class remote that all ranks' MoE layers sent (the layer-less gradient all-reduce left out). */
    private static long moeRemoteBytes(Path metrics) throws IOException {
        long bytes = 0;
        for (int r = 0; r < 4; r++) {
            List<JsonNode> steps = RankTrainerTest.events(metrics.resolve(InProcessRanks.metricsFile(r)), "step");
            for (JsonNode step : steps) {
                var layers = step.get("traffic_per_layer").fields();
                while (layers.hasNext()) {
                    var layer = layers.next();
                    if (!layer.getKey().equals("all")) {
                        bytes += layer.getValue().get("remote").asLong();
                    }
                }
            }
        }
        return bytes;
    }
}
