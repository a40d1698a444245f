package io.sparkmoe.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The single-JVM loop on a tiny model and synthetic shards: it learns, it reports, it repeats itself. */
class TrainerTest {

    static final int STEPS = 30;

    @TempDir
    static Path dir;

    static ShardSet data;
    static TrainResult first;
    static List<JsonNode> events;

    static SparkMoeConfig config(String... extra) {
        List<String> overrides = new java.util.ArrayList<>(List.of("model.hidden-size=16", "model.layers=2",
                "model.heads=2", "model.seq-len=16", "model.dense-intermediate-size=24", "model.moe.experts=4",
                "model.moe.intermediate-size=12", "model.moe.first-dense-layers=0", "model.moe.every=1",
                "train.steps=" + STEPS,
                "train.batch-size=4", "train.eval-every=10", "train.eval-batches=2", "train.log-every=5",
                "train.optimizer.lr=0.01", "train.optimizer.min-lr=0.001", "train.optimizer.warmup-steps=3",
                "run.seed=7"));
        overrides.addAll(List.of(extra));
        return ConfigLoader.load(Optional.empty(), overrides).config();
    }

    static TrainResult train(Path metrics) throws IOException {
        try (MetricsWriter writer = new MetricsWriter(metrics)) {
            return new Trainer(config(), data).run(writer);
        }
    }

    @BeforeAll
    static void trainOnce() throws IOException {
        Path shards = Files.createDirectories(dir.resolve("data"));
        data = SyntheticShards.write(shards, 3);
        first = train(dir.resolve("first.jsonl"));
        events = readEvents(dir.resolve("first.jsonl"));
    }

    static List<JsonNode> readEvents(Path metrics) throws IOException {
        ObjectMapper json = new ObjectMapper();
        return Files.readAllLines(metrics).stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + line, e);
            }
        }).toList();
    }

    @Test
    void lossDecreases() {
        double[] l = first.losses();
        assertEquals(STEPS, l.length);
        double start = (l[0] + l[1] + l[2]) / 3;
        double end = (l[STEPS - 3] + l[STEPS - 2] + l[STEPS - 1]) / 3;
        assertTrue(end < 0.8 * start, "loss " + start + " -> " + end);
        List<TrainResult.Evaluation> evals = first.evaluations();
        assertEquals(List.of(10, 20, 30), evals.stream().map(TrainResult.Evaluation::step).toList());
        assertTrue(evals.get(2).loss() < evals.get(0).loss(), "validation loss falls: " + evals);
        assertEquals(Math.exp(evals.get(2).loss()), evals.get(2).perplexity(), 1e-9);
    }

    @Test
    void metricsHaveTheRequiredFields() {
        for (JsonNode e : events) {
            for (String f : List.of("event", "step", "time")) {
                assertTrue(e.has(f), f + " missing in " + e);
            }
        }
        List<JsonNode> steps = ofEvent("step");
        assertEquals(STEPS, steps.size());
        for (JsonNode s : steps) {
            for (String f : List.of("loss", "aux_loss", "lr", "tokens", "tokens_per_s", "timing")) {
                assertTrue(s.has(f), f + " missing in " + s);
            }
            for (String phase : List.of("forward", "backward", "optimizer")) {
                assertTrue(s.get("timing").get(phase).isNumber(), phase + " missing in " + s);
            }
            // the model's breakdown is measured inside the forward and backward phases, so it cannot exceed them
            double inside = 0;
            for (String phase : List.of("attention", "route", "dispatch", "experts", "combine", "dense", "other")) {
                assertTrue(s.get("timing").get(phase).isNumber(), phase + " missing in " + s);
                inside += s.get("timing").get(phase).asDouble();
            }
            assertTrue(s.get("timing").get("attention").asDouble() > 0 && s.get("timing").get("experts").asDouble() > 0, s.toString());
            assertTrue(inside <= s.get("timing").get("forward").asDouble() + s.get("timing").get("backward").asDouble() + 1e-6,
                    "breakdown " + inside + " s exceeds forward + backward in " + s);
        }
        assertEquals(first.losses()[4], steps.get(4).get("loss").asDouble(), 0.0);
        assertEquals(5L * 4 * 16, steps.get(4).get("tokens").asLong());
        List<JsonNode> evals = ofEvent("eval");
        assertEquals(3, evals.size());
        assertTrue(evals.get(0).get("val_ppl").asDouble() > 1);
        List<JsonNode> routing = ofEvent("routing");
        assertEquals(2 * (STEPS / 5), routing.size(), "one event per MoE layer and log step");
        JsonNode r = routing.get(0);
        assertEquals(5, r.get("step").asInt());
        assertEquals(4, r.get("load").size());
        int pairs = 0;
        for (JsonNode load : r.get("load")) {
            pairs += load.asInt();
        }
        assertEquals(4 * 16 * 2, pairs, "top-2 routing of every token of the batch");
        assertTrue(r.get("dropped").isInt() && r.has("entropy") && r.get("share").has("same_rank"), r.toString());
    }

    @Test
    void sameSeedRepeatsTheLossesBitForBit() throws IOException {
        TrainResult again = train(dir.resolve("again.jsonl"));
        assertArrayEquals(first.losses(), again.losses());
        assertEquals(first.evaluations(), again.evaluations());
    }

    @Test
    void twoDataParallelWorkersTrainAsOneModelDoesAndReportTheWholeBatch() throws IOException {
        TrainResult[] runs = new TrainResult[2];
        for (int i = 0; i < runs.length; i++) {
            try (MetricsWriter writer = new MetricsWriter(dir.resolve("workers-" + i + ".jsonl"))) {
                runs[i] = new Trainer(config("train.workers=2"), data).run(writer);
            }
        }
        assertArrayEquals(runs[0].losses(), runs[1].losses(), "two workers repeat their losses bit for bit");
        assertEquals(runs[0].evaluations(), runs[1].evaluations());
        // the same model on the same batches: only the order of float32 sums differs, and that drifts slowly
        assertEquals(first.losses()[0], runs[0].losses()[0], 1e-5, "the first step's loss");
        for (int step = 0; step < STEPS; step++) {
            assertEquals(first.losses()[step], runs[0].losses()[step], 2e-2 * first.losses()[step], "step " + (step + 1));
        }
        List<JsonNode> routing = readEvents(dir.resolve("workers-0.jsonl")).stream()
                .filter(e -> e.get("event").asText().equals("routing")).toList();
        int pairs = 0;
        for (JsonNode load : routing.get(0).get("load")) {
            pairs += load.asInt();
        }
        assertEquals(4 * 16 * 2, pairs, "routing events count both workers' tokens");
    }

    @Test
    void aVocabSizeThatDisagreesWithTheShardsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config("model.vocab-size=300", "data.tokenizer.vocab-size=300"), data));
        assertTrue(e.getMessage().contains("model.vocab-size (300)"), e.getMessage());
    }

    private static List<JsonNode> ofEvent(String name) {
        return events.stream().filter(e -> e.get("event").asText().equals(name)).collect(Collectors.toList());
    }
}
