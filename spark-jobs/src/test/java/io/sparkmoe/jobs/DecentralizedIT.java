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
import io.sparkmoe.jobs.decentralized.CompareDecentralizedCommand;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decentralized experts end to end on {@code local[2]}: prepare with 3 document clusters, train the 3 dense experts
 * as concurrent Spark jobs — one of them failing on a corrupt shard while the others complete — re-run to train
 * the failed one alone, check that each read only its own cluster's shards and that nothing was exchanged, that a
 * further re-run has nothing to do, then evaluate the ensemble.
 */
class DecentralizedIT {

    static final boolean CI = "true".equals(System.getenv("CI"));
    static final int CLUSTERS = 3;
    static final int STEPS = CI ? 12 : 60;
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
                "model.moe.intermediate-size=32", "train.steps=" + STEPS, "train.batch-size=4",
                "train.eval-every=6", "train.eval-batches=2", "train.log-every=6", "train.optimizer.lr=0.01",
                "train.optimizer.min-lr=0.001", "train.optimizer.warmup-steps=2", "router.prefix-tokens=8"));
        args.addAll(List.of(more));
        return MainTest.run(args.toArray(String[]::new));
    }

    Path expert(int j) {
        return dir.resolve("runs/dec/experts").resolve(String.format("expert-%03d", j));
    }

    @Test
    void expertsTrainAloneAFailedOneIsRetrainedAloneAndTheEnsembleIsEvaluated() throws IOException {
        MainTest.Result prepared = main("prepare");
        assertEquals(0, prepared.code(), prepared.err());

        // expert 1's job fails (one of its shards is corrupt): the others finish regardless
        ShardSet shards = ShardSet.open(new Configuration(), dir.resolve("data/clusters").toUri().toString());
        Path shard = dir.resolve("data/clusters").resolve(shards.entries("train", 1).get(0).path);
        byte[] good = Files.readAllBytes(shard);
        byte[] bad = good.clone();
        bad[bad.length - 1] ^= 1;
        Files.write(shard, bad);
        MainTest.Result failed = main("train-decentralized", "run.name=dec");
        System.out.println(failed.out());
        assertEquals(1, failed.code(), failed.out() + failed.err());
        assertTrue(failed.out().contains("expert 1: FAILED") && failed.out().contains(shard.getFileName().toString()), failed.out());
        assertTrue(Files.isRegularFile(expert(0).resolve("expert.json")));
        assertTrue(Files.isRegularFile(expert(2).resolve("expert.json")));
        assertFalse(Files.exists(expert(1)));
        long before0 = Files.getLastModifiedTime(expert(0).resolve("model.safetensors")).toMillis();
        long before2 = Files.getLastModifiedTime(expert(2).resolve("model.safetensors")).toMillis();

        // repaired, a re-run trains expert 1 alone
        Files.write(shard, good);
        MainTest.Result repaired = main("train-decentralized", "run.name=dec");
        System.out.println(repaired.out());
        assertEquals(0, repaired.code(), repaired.out() + repaired.err());
        assertTrue(repaired.out().contains("expert 0: complete") && repaired.out().contains("expert 2: complete"),
                repaired.out());
        assertTrue(repaired.out().contains("expert 1: " + STEPS + " steps"), repaired.out());
        assertEquals(before0, Files.getLastModifiedTime(expert(0).resolve("model.safetensors")).toMillis());
        assertEquals(before2, Files.getLastModifiedTime(expert(2).resolve("model.safetensors")).toMillis());

        // isolation: each expert opened exactly its own cluster's shard files, all of them
        for (int j = 0; j < CLUSTERS; j++) {
            JsonNode report = JSON.readTree(expert(j).resolve("expert.json").toFile());
            System.out.printf("expert %d trained from %d to %d ms%n", j, report.path("started_ms").asLong(),
                    report.path("finished_ms").asLong());
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
        assertEquals(CLUSTERS, traffic.size(), "one traffic event per trained expert");
        traffic.forEach(t -> assertEquals(0, t.path("bytes_sent").asLong() + t.path("bytes_received").asLong()));

        // everything complete: nothing to do
        MainTest.Result again = main("train-decentralized", "run.name=dec");
        assertEquals(0, again.code(), again.err());
        for (int j = 0; j < CLUSTERS; j++) {
            assertTrue(again.out().contains("expert " + j + ": complete"), again.out());
        }

        MainTest.Result eval = main("eval-ensemble", "--run", dir.resolve("runs/dec").toString(), "--max-windows", "8");
        System.out.println(eval.out());
        assertEquals(0, eval.code(), eval.out() + eval.err());
        List<JsonNode> ensemble = events("ensemble").stream().filter(e -> e.path("router").asText().equals("centroid")
                || e.path("kind").asText().equals("expert_cluster")).toList();
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
        assertTrue(eval.out().contains("centroid router accuracy"), "without train-router, auto is the centroid router");

        // the learned router, trained on the cluster labels, then evaluated in its turn
        MainTest.Result trainRouter = main("train-router", "--run", dir.resolve("runs/dec").toString(),
                "router.learned.steps=" + (CI ? 60 : 300), "router.learned.dim=16", "router.learned.hidden=16");
        System.out.println(trainRouter.out());
        assertEquals(0, trainRouter.code(), trainRouter.out() + trainRouter.err());
        JsonNode training = events("router_training").get(0);
        assertTrue(training.path("last_loss").asDouble() < training.path("first_loss").asDouble(), training.toString());
        assertTrue(Files.isRegularFile(dir.resolve("runs/dec/router/router.safetensors")));
        MainTest.Result learned = main("eval-ensemble", "--run", dir.resolve("runs/dec").toString(), "--max-windows", "8");
        System.out.println(learned.out());
        assertEquals(0, learned.code(), learned.out() + learned.err());
        assertTrue(learned.out().contains("learned router accuracy"), "with a trained router, auto is the learned one");
        List<JsonNode> learnedEvents = events("ensemble").stream()
                .filter(e -> e.path("router").asText().equals("learned")).toList();
        assertEquals(List.of("router", "combination", "combination", "combination"),
                learnedEvents.stream().map(e -> e.path("kind").asText()).toList());
        assertEquals(CLUSTERS * 8, learnedEvents.get(0).path("sequences").asInt());
        JsonNode written = JSON.readTree(dir.resolve("runs/dec/ensemble.json").toFile());
        assertEquals("learned", written.path("router").asText());

        // generate from the ensemble; its export loads back and generates the same text
        String run = dir.resolve("runs/dec").toString();
        MainTest.Result fromRun = main("generate", "--ensemble", run, "--mode", "top2", "--prompt", "the",
                "--max-tokens", "12", "--temperature", "0");
        assertEquals(0, fromRun.code(), fromRun.out() + fromRun.err());
        MainTest.Result exported = main("export", "--ensemble", run, "--out", dir.resolve("ensemble").toString());
        assertEquals(0, exported.code(), exported.out() + exported.err());
        for (int j = 0; j < CLUSTERS; j++) {
            assertTrue(Files.isRegularFile(dir.resolve("ensemble/experts").resolve(String.format("expert-%03d", j))
                    .resolve("model.safetensors")));
        }
        JsonNode manifest = JSON.readTree(dir.resolve("ensemble/ensemble.json").toFile());
        assertEquals("llama", manifest.path("layout").asText());
        assertEquals("router", manifest.path("router").asText());
        for (String mode : List.of("top1", "top2", "all")) {
            String[] args = {"--mode", mode, "--prompt", "the", "--max-tokens", "12", "--temperature", "0.8",
                    "--seed", "5"};
            MainTest.Result a = main("generate", concat(new String[]{"--ensemble", run}, args));
            MainTest.Result b = main("generate", concat(new String[]{"--ensemble", dir.resolve("ensemble").toString()}, args));
            assertEquals(0, a.code(), a.out() + a.err());
            assertEquals(a.out(), b.out(), mode);
        }
        MainTest.Result centroidExport = main("generate", "--ensemble", dir.resolve("ensemble").toString(), "--router",
                "centroid", "--prompt", "the", "--max-tokens", "4");
        assertEquals(0, centroidExport.code(), centroidExport.out() + centroidExport.err());

        // the dense baseline at equal training FLOPs (same model, same tokens in all) against the ensemble
        MainTest.Result compared = main("compare-decentralized", "--run", run, "--max-windows", "4");
        System.out.println(compared.out());
        assertEquals(0, compared.code(), compared.out() + compared.err());
        JsonNode comparison = JSON.readTree(dir.resolve("runs/dec/comparison.json").toFile());
        assertEquals(CLUSTERS * STEPS, comparison.path("dense").path("steps").asInt());
        assertEquals(comparison.path("ensemble").path("tokens").asLong(), comparison.path("dense").path("tokens").asLong());
        assertEquals(comparison.path("ensemble").path("train_flops").asDouble(),
                comparison.path("dense").path("train_flops").asDouble());
        assertEquals(0, comparison.path("ensemble").path("bytes_exchanged").asLong());
        assertEquals(CLUSTERS * 4, comparison.path("windows").asInt());
        assertTrue(comparison.path("dense").path("val_ppl").asDouble() > 1);
        String table = Files.readString(dir.resolve("runs/dec/comparison.md"));
        assertTrue(table.contains("| dense, all clusters (" + CLUSTERS * STEPS + " steps) |"), table);
        assertTrue(Files.isRegularFile(dir.resolve("runs/dec/baseline-dense/model.safetensors")));
        assertEquals(1, events("ensemble").stream().filter(e -> e.path("mode").asText().equals("dense")
                && e.path("router").isNull()).count(), "the dense model's combination event");

        // the synchronous MoE (3 experts, the default top-k k=2) at the experts' FLOPs, counted per active parameter
        JsonNode moe = comparison.path("moe");
        assertEquals(CLUSTERS, moe.path("experts").asInt());
        assertEquals(2, moe.path("top_k").asInt());
        long active = moe.path("active_parameters").asLong();
        long dense = comparison.path("parameters_per_model").asLong();
        assertTrue(dense < active && active < moe.path("parameters").asLong(), moe.toString());
        long tokensPerStep = 4 * 32;
        assertEquals(moe.path("steps").asLong() * tokensPerStep, moe.path("tokens").asLong());
        assertTrue(moe.path("steps").asInt() < CLUSTERS * STEPS, "fewer steps than the dense model: " + moe);
        double flops = comparison.path("ensemble").path("train_flops").asDouble();
        assertEquals(flops, moe.path("train_flops").asDouble(), 0.5 * 6 * active * tokensPerStep,
                "equal FLOPs to the nearest step");
        assertTrue(moe.path("val_ppl").asDouble() > 1);
        assertEquals(CLUSTERS, moe.path("cluster_ppl").size());
        assertTrue(table.contains("| synchronous MoE, 3 experts, topk k=2, all clusters ("), table);
        assertTrue(Files.isRegularFile(dir.resolve("runs/dec/baseline-moe/model.safetensors")));
        assertEquals(1, events("ensemble").stream().filter(e -> e.path("mode").asText().equals("moe")
                && e.path("router").isNull()).count(), "the MoE's combination event");

        // run again: both baselines are complete and kept; --no-moe leaves the MoE out of the table
        MainTest.Result recompared = main("compare-decentralized", "--run", run, "--max-windows", "4", "--no-moe");
        assertEquals(0, recompared.code(), recompared.out() + recompared.err());
        assertTrue(recompared.out().contains(CompareDecentralizedCommand.BASELINE + ": complete in"), recompared.out());
        assertFalse(JSON.readTree(dir.resolve("runs/dec/comparison.json").toFile()).has("moe"));
        assertFalse(Files.readString(dir.resolve("runs/dec/comparison.md")).contains("synchronous MoE"));
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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

}
