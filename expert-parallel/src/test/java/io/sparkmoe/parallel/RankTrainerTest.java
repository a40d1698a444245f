package io.sparkmoe.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rank loop's own promises: resume continues bit for bit, periodic averaging equalises replicas, bad setups fail. */
class RankTrainerTest {

    @TempDir
    static Path dir;

    static ShardSet data;

    @BeforeAll
    static void data() throws IOException {
        data = TinyRuns.data(dir);
    }

    static SparkMoeConfig config(String... extra) {
        List<String> all = new ArrayList<>(List.of("train.steps=12"));
        all.addAll(List.of(extra));
        return TinyRuns.config(all.toArray(String[]::new));
    }

    static CheckpointStore store(Path path) throws IOException {
        return new CheckpointStore(FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(Files.createDirectories(path).toUri()), 3);
    }

    @Test
    void twelveStepsEqualSixThenResumeThenSix() throws IOException {
        Topology two = Topology.singleNode(2);
        InProcessRanks whole = new InProcessRanks(config(), data, two);
        List<RankResult> uninterrupted = whole.run();

        CheckpointStore store = store(dir.resolve("resume"));
        new InProcessRanks(config("train.checkpoint-every=6"), data, two).withCheckpoints(store)
                .run(6);
        assertEquals(1, store.committed().size(), "one checkpoint, of step 6");
        InProcessRanks resumed = new InProcessRanks(config("train.checkpoint-every=6", "train.resume=latest", "run.name=resumed"),
                data, two).withCheckpoints(store);
        List<RankResult> second = resumed.run();

        for (int r = 0; r < 2; r++) {
            assertEquals(7, second.get(r).firstStep());
            double[] all = uninterrupted.get(r).losses();
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 6, 12), second.get(r).losses(),
                    "rank " + r + ": steps 7..12 repeat the uninterrupted run bit for bit");
            Parameters a = whole.trainers().get(r).model().parameters();
            Parameters b = resumed.trainers().get(r).model().parameters();
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                assertEquals(a.value(name), b.value(name), "rank " + r + " " + name);
            }
            assertEquals(uninterrupted.get(r).replicaHash(), second.get(r).replicaHash());
        }
        assertEquals(2, store.committed().size(), "and one of step 12");
    }

    @Test
    void periodicAveragingEqualisesReplicasWhichDriftInBetween() throws IOException {
        Path metrics = dir.resolve("periodic");
        InProcessRanks ranks = new InProcessRanks(config("train.averaging.mode=periodic", "train.averaging.every=5"),
                data, Topology.singleNode(2)).withMetrics(metrics);
        List<RankResult> results = ranks.run();
        List<List<JsonNode>> averagings = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            averagings.add(events(metrics.resolve(InProcessRanks.metricsFile(r)), "averaging"));
            assertEquals(List.of(5, 10), averagings.get(r).stream().map(e -> e.get("step").asInt()).toList());
        }
        for (int i = 0; i < 2; i++) {
            JsonNode a = averagings.get(0).get(i);
            JsonNode b = averagings.get(1).get(i);
            assertTrue(a.get("equal").asBoolean() && b.get("equal").asBoolean());
            assertEquals(a.get("hash").asText(), b.get("hash").asText(), "after averaging " + i);
        }
        assertNotEquals(averagings.get(0).get(0).get("hash").asText(), averagings.get(0).get(1).get("hash").asText(),
                "training moved the replicas between averagings");
        assertNotEquals(results.get(0).replicaHash(), results.get(1).replicaHash(),
                "two steps after the last averaging the replicas differ (each stepped on its own gradients)");
        JsonNode step = events(metrics.resolve(InProcessRanks.metricsFile(1)), "step").get(4);
        assertTrue(step.get("breakdown").get("averaging").asDouble() > 0, "step 5 averaged: " + step);
        assertTrue(step.get("traffic").has("same_node"), step.toString());
        assertTrue(step.get("traffic_per_layer").get("0").get("same_node").asLong() > 0, step.toString());
        assertTrue(step.get("timing").get("exchange").asDouble() > 0, step.toString());
    }

    @Test
    void moreRanksThanConfiguredAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InProcessRanks(config("cluster.ranks=2"), data, Topology.singleNode(4)).run());
        assertTrue(e.getMessage().contains("cluster.ranks is 2 but the exchange of rank"), e.getMessage());
    }

    @Test
    void dataParallelWorkersAreRefusedInARank() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InProcessRanks(config("train.workers=2"), data, Topology.singleNode(2)).run());
        assertTrue(e.getMessage().contains("train.workers is 2") && e.getMessage().contains("set train.workers = 1"),
                e.getMessage());
    }

    @Test
    void routedExpertsAreShardedAndSharedExpertsReplicated() {
        assertTrue(ExpertShards.isExpertTensor("model.layers.0.block_sparse_moe.experts.1.w1.weight"));
        assertTrue(!ExpertShards.isExpertTensor("model.layers.0.block_sparse_moe.shared_experts.0.w1.weight"));
        ExpertShards shards = ExpertShards.contiguous(8, Topology.of("a", "a", "b", "b"));
        assertArrayEquals(new int[]{4, 5}, shards.expertsOf(2));
        assertEquals(1, shards.placement().nodeOf(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExpertShards.contiguous(6, Topology.singleNode(4)));
        assertTrue(e.getMessage().contains("model.moe.experts (6)"), e.getMessage());
    }

    static List<JsonNode> events(Path file, String event) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode node = json.readTree(line);
            if (node.get("event").asText().equals(event)) {
                out.add(node);
            }
        }
        return out;
    }
}
