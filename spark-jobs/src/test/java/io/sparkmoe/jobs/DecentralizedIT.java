package io.sparkmoe.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decentralized experts end to end on {@code local[2]}: prepare with 3 document clusters, train the 3 dense experts
 * as concurrent Spark jobs, check that each read only its own cluster's shards and that nothing was exchanged,
 * that a re-run skips complete experts and re-trains a removed one alone, then evaluate the ensemble.
 */
class DecentralizedIT {

    static final boolean CI = "true".equals(System.getenv("CI"));
    static final int CLUSTERS = 3;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    MainTest.Result main(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "cluster.master=local[2]",
                "cluster.spark.spark.ui.enabled=false", "run.dir=" + dir.resolve("runs"),
                "data.output=" + dir.resolve("data").toUri(), "data.max-documents=" + (CI ? 1200 : 3000),
                "data.tokenizer.vocab-size=300", "data.write-partitions=2", "data.clusters.count=" + CLUSTERS,
                "data.clusters.features=1024", "model.hidden-size=32", "model.layers=2", "model.heads=2",
                "model.seq-len=32", "model.dense-intermediate-size=64", "model.moe.experts=4",
                "model.moe.intermediate-size=32", "train.steps=" + (CI ? 12 : 60), "train.batch-size=4",
                "train.eval-every=6", "train.eval-batches=2", "train.log-every=6", "train.optimizer.lr=0.01",
                "train.optimizer.min-lr=0.001", "train.optimizer.warmup-steps=2", "router.prefix-tokens=8"));
        args.addAll(List.of(more));
        return MainTest.run(args.toArray(String[]::new));
    }

    Path expert(int j) {
        return dir.resolve("runs/dec/experts").resolve(String.format("expert-%03d", j));
    }

    @Test
    void expertsTrainAloneOnTheirClustersRerunsOnlyWhatIsMissingAndTheEnsembleIsEvaluated() throws IOException {
        MainTest.Result prepared = main("prepare");
        assertEquals(0, prepared.code(), prepared.err());

        MainTest.Result trained = main("train-decentralized", "run.name=dec");
        System.out.println(trained.out());
        assertEquals(0, trained.code(), trained.out() + trained.err());

        // isolation: each expert opened exactly its own cluster's shard files, all of them
        ShardSet shards = ShardSet.open(new Configuration(), dir.resolve("data/clusters").toUri().toString());
        for (int j = 0; j < CLUSTERS; j++) {
            JsonNode report = JSON.readTree(expert(j).resolve("expert.json").toFile());
            Set<String> read = new HashSet<>();
            report.path("shards_read").forEach(p -> read.add(p.asText()));
            Set<String> own = new HashSet<>();
            for (ShardEntry e : shards.manifest().shards()) {
                if (e.cluster == j) {
                    own.add(e.path);
                }
            }
            assertEquals(own, read, "expert " + j + " reads exactly cluster " + j + "'s shards");
            assertTrue(Files.isRegularFile(expert(j).resolve("model.safetensors")));
            assertTrue(Files.isRegularFile(expert(j).resolve("metrics.jsonl")));
            assertEquals(0, report.path("bytes_exchanged").asLong());
        }
        List<JsonNode> traffic = events("traffic");
        assertEquals(CLUSTERS, traffic.size());
        traffic.forEach(t -> assertEquals(0, t.path("bytes_sent").asLong() + t.path("bytes_received").asLong()));

        // a re-run finds every expert complete
        long before0 = Files.getLastModifiedTime(expert(0).resolve("model.safetensors")).toMillis();
        MainTest.Result again = main("train-decentralized", "run.name=dec");
        assertEquals(0, again.code(), again.err());
        for (int j = 0; j < CLUSTERS; j++) {
            assertTrue(again.out().contains("expert " + j + ": complete"), again.out());
        }

        // a lost expert is trained again, alone
        deleteTree(expert(1));
        MainTest.Result repaired = main("train-decentralized", "run.name=dec");
        assertEquals(0, repaired.code(), repaired.err());
        assertTrue(repaired.out().contains("expert 0: complete") && repaired.out().contains("expert 2: complete"),
                repaired.out());
        assertTrue(repaired.out().contains("expert 1: " + (CI ? 12 : 60) + " steps"), repaired.out());
        assertTrue(Files.isRegularFile(expert(1).resolve("expert.json")));
        assertEquals(before0, Files.getLastModifiedTime(expert(0).resolve("model.safetensors")).toMillis());
        assertEquals(CLUSTERS + 1, events("traffic").size());

        MainTest.Result eval = main("eval-ensemble", "--run", dir.resolve("runs/dec").toString(), "--max-windows", "8");
        System.out.println(eval.out());
        assertEquals(0, eval.code(), eval.out() + eval.err());
        List<JsonNode> ensemble = events("ensemble");
        assertEquals(CLUSTERS * CLUSTERS, ensemble.stream().filter(e -> e.path("kind").asText().equals("expert_cluster")).count());
        assertEquals(List.of("top-1", "top-2", "all"), ensemble.stream()
                .filter(e -> e.path("kind").asText().equals("combination")).map(e -> e.path("mode").asText()).toList());
        JsonNode router = ensemble.stream().filter(e -> e.path("kind").asText().equals("router")).findFirst().orElseThrow();
        assertEquals(CLUSTERS * 8, router.path("sequences").asInt());
        double accuracy = router.path("accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1);
        ensemble.stream().filter(e -> e.has("val_ppl")).forEach(e -> {
            double ppl = e.path("val_ppl").asDouble();
            assertTrue(ppl > 1 && ppl < 300 * 1.5, e.toString());
        });
        assertTrue(Files.isRegularFile(dir.resolve("runs/dec/ensemble.json")));
        assertFalse(eval.out().isBlank());
    }

    List<JsonNode> events(String event) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("runs/dec/metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.path("event").asText().equals(event)) {
                out.add(n);
            }
        }
        return out;
    }

    static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
