package io.sparkmoe.parallel.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.parallel.InProcessRanks;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.SyntheticShards;
import io.sparkmoe.train.Trainer;

/**
 * Times the distributed step against one JVM on the same global batch: the single-JVM {@code Trainer}, then 2 ranks
 * on one node and 4 ranks on two nodes ({@code a,a,b,b}) as threads of this JVM. Per configuration the median over
 * the steps after the warm-up of the step's wall time (rank 0), in two interleaved rounds (the first warms the JIT), and for the ranks the median compute and exchange
 * wait and the bytes rank 0 sent per step and class. All ranks share this JVM's cores, so the figures show the
 * step's overheads (dispatch bookkeeping, waiting, copies), not a speed-up. A plain {@code main}, not a test:
 * {@code DistributedStepBenchmark [out.json]} (docs/expert-parallel.md has the command).
 */
public final class DistributedStepBenchmark {

    private static final int STEPS = 14;
    private static final int WARMUP = 4;
    /** Rounds over all layouts, interleaved: the first also warms the JIT up. */
    private static final int ROUNDS = 2;

    private DistributedStepBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("distributed-step");
        ShardSet data = SyntheticShards.write(Files.createDirectories(dir.resolve("data")), 3);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "distributed-step");
        out.put("model", "d=64, 2 MoE layers, 8 experts (f=128), top-2, 4 heads, seq 64, batch 8, vocab "
                + SyntheticShards.VOCAB);
        out.put("steps", STEPS);
        out.put("warmup", WARMUP);
        out.put("rounds", ROUNDS);
        out.put("available_processors", Runtime.getRuntime().availableProcessors());
        out.put("java", System.getProperty("java.version"));
        List<Map<String, Object>> runs = new ArrayList<>();

        Map<String, Topology> layouts = new LinkedHashMap<>();
        layouts.put("2 ranks, 1 node", Topology.singleNode(2));
        layouts.put("4 ranks, 2 nodes", Topology.of("a", "a", "b", "b"));
        for (int round = 1; round <= ROUNDS; round++) {
            Path single = dir.resolve("single-" + round + ".jsonl");
            try (MetricsWriter metrics = new MetricsWriter(single)) {
                new Trainer(config(1), data).run(metrics);
            }
            runs.add(summary("1 JVM", round, single));
            for (Map.Entry<String, Topology> layout : layouts.entrySet()) {
                Path metrics = dir.resolve(layout.getKey().replace(' ', '_').replace(",", "") + "-" + round);
                new InProcessRanks(config(layout.getValue().size()), data, layout.getValue()).withMetrics(metrics)
                        .run();
                runs.add(summary(layout.getKey(), round, metrics.resolve(InProcessRanks.metricsFile(0))));
            }
        }
        out.put("runs", runs);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String text = json.writeValueAsString(out);
        System.out.println(text);
        if (args.length > 0) {
            json.writeValue(new File(args[0]), out);
        }
    }

    private static SparkMoeConfig config(int ranks) {
        return ConfigLoader.load(Optional.empty(), List.of("model.hidden-size=64", "model.layers=2", "model.heads=4",
                "model.seq-len=64", "model.dense-intermediate-size=128", "model.moe.experts=8",
                "model.moe.intermediate-size=128", "model.moe.first-dense-layers=0", "model.moe.every=1",
                "train.steps=" + STEPS, "train.batch-size=8", "train.eval-every=1000", "train.eval-batches=1",
                "train.log-every=1000", "train.optimizer.warmup-steps=2", "run.seed=7", "cluster.ranks=" + Math.max(ranks, 2))).config();
    }

    /** Medians over the steps after the warm-up, from a metrics file. */
    private static Map<String, Object> summary(String name, int round, Path metrics) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Double> step = new ArrayList<>();
        List<Double> compute = new ArrayList<>();
        List<Double> waiting = new ArrayList<>();
        Map<String, List<Double>> bytes = new LinkedHashMap<>();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode e = json.readTree(line);
            if (!e.get("event").asText().equals("step") || e.get("step").asInt() <= WARMUP) {
                continue;
            }
            double tokens = 8 * 64;
            step.add(tokens / e.get("tokens_per_s").asDouble());
            if (e.has("breakdown")) {
                compute.add(e.get("breakdown").get("compute").asDouble());
                waiting.add(e.get("breakdown").get("exchange_wait").asDouble());
                e.get("traffic").fields().forEachRemaining(c ->
                        bytes.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(c.getValue().asDouble()));
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("layout", name);
        s.put("round", round);
        s.put("step_ms_median", median(step) * 1e3);
        if (!compute.isEmpty()) {
            s.put("compute_ms_median", median(compute) * 1e3);
            s.put("exchange_wait_ms_median", median(waiting) * 1e3);
            Map<String, Double> perClass = new LinkedHashMap<>();
            bytes.forEach((c, values) -> perClass.put(c, median(values)));
            s.put("rank0_bytes_per_step_median", perClass);
        }
        return s;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }
}
