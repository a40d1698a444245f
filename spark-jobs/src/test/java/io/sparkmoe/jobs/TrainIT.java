package io.sparkmoe.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.deploy.Scripts;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.train.checkpoint.CheckpointLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparkmoe train} as a user runs it: {@code prepare} a slice of the embedded corpus, then train a tiny MoE
 * model on it in one JVM; the run directory holds the configuration and a metrics.jsonl whose loss falls. A run
 * stopped after a checkpoint and continued with {@code train.resume=latest} ends exactly where an uninterrupted one does
 * (its checkpoints kept outside the run directory through {@code train.checkpoint-dir}).
 */
public class TrainIT {

    public static final int STEPS = 20;

    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepare() {
        data = shared.resolve("data");
        MainTest.Result prepared = MainTest.run(Scripts.smallPrepare(data));
        assertEquals(0, prepared.code(), prepared.err());
    }

    /** A tiny model's training on prepared data (a few seconds) in run {@code runs/tiny}, as {@code Main} arguments. */
    public static List<String> tinyTraining(Path data, Path runs) {
        return tinyTraining(data, runs, "tiny");
    }

    /** The same training in run {@code runs/name}, with extra arguments. */
    public static List<String> tinyTraining(Path data, Path runs, String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "data.output=" + data.toUri(), "run.dir=" + runs,
                "run.name=" + name, "model.hidden-size=32", "model.layers=2", "model.heads=2", "model.seq-len=32",
                "model.dense-intermediate-size=64", "model.moe.experts=4", "model.moe.intermediate-size=32",
                "train.steps=" + STEPS, "train.batch-size=4", "train.eval-every=10", "train.eval-batches=2",
                "train.log-every=5", "train.optimizer.lr=0.01", "train.optimizer.min-lr=0.001",
                "train.optimizer.warmup-steps=2"));
        args.addAll(List.of(extra));
        return args;
    }

    static MainTest.Result train(Path runs, String name, String... extra) {
        MainTest.Result r = MainTest.run(tinyTraining(data, runs, name, extra).toArray(String[]::new));
        System.out.print(r.out());
        return r;
    }

    @Test
    void trainsATinyModelOnPreparedData() throws IOException {
        MainTest.Result r = train(dir.resolve("runs"), "tiny");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("trained " + STEPS + " steps") && r.out().contains("perplexity"), r.out());
        Path run = dir.resolve("runs").resolve("tiny");
        assertTrue(r.out().contains("run directory: " + run), r.out());
        assertTrue(Files.isRegularFile(run.resolve("config.conf")));

        List<JsonNode> metrics = metrics(run);
        List<JsonNode> steps = ofEvent(metrics, "step");
        List<JsonNode> evals = ofEvent(metrics, "eval");
        assertEquals(STEPS, steps.size());
        assertEquals(List.of(10, 20), evals.stream().map(e -> e.get("step").asInt()).toList());
        double first = steps.get(0).get("loss").asDouble();
        double last = steps.get(STEPS - 1).get("loss").asDouble();
        assertTrue(last < first, "loss " + first + " -> " + last);
        assertTrue(evals.get(1).get("val_loss").asDouble() < evals.get(0).get("val_loss").asDouble(), evals.toString());
        assertTrue(ofEvent(metrics, "routing").size() > 0, "routing statistics are logged");
        assertEquals(List.of(STEPS), ofEvent(metrics, "checkpoint").stream().map(e -> e.get("step").asInt()).toList(),
                "without train.checkpoint-every, one checkpoint at the end");
        assertTrue(Files.isRegularFile(run.resolve(CheckpointLayout.DIR).resolve(CheckpointLayout.name(STEPS))
                .resolve(CheckpointLayout.COMMITTED)));
    }

    @Test
    void aRunStoppedAfterACheckpointResumesBitForBit() throws IOException {
        Path runs = dir.resolve("runs");
        assertEquals(0, train(runs, "whole").code());
        // "split" keeps its checkpoints outside its run directory (train.checkpoint-dir), where resume looks too.
        Path checkpoints = dir.resolve("elsewhere/split-checkpoints");
        String checkpointDir = "train.checkpoint-dir=\"" + checkpoints.toUri() + "\"";
        assertEquals(0, train(runs, "split", "train.checkpoint-every=10", checkpointDir).code());
        // Stop "split" right after its step-10 checkpoint: what a killed run would have left behind.
        Path split = runs.resolve("split");
        assertFalse(Files.exists(split.resolve(CheckpointLayout.DIR)), "no checkpoints in the run directory");
        deleteTree(checkpoints.resolve(CheckpointLayout.name(STEPS)));
        deleteTree(split.resolve(TrainCommand.MODEL_DIR)); // written only after the last step
        List<String> lines = Files.readAllLines(split.resolve("metrics.jsonl"));
        int cut = 0;
        while (!lines.get(cut).contains("\"event\":\"checkpoint\"")) {
            cut++;
        }
        Files.write(split.resolve("metrics.jsonl"), lines.subList(0, cut + 1));

        MainTest.Result r = train(runs, "split", "train.checkpoint-every=10", "train.resume=latest", checkpointDir);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resumed from ") && r.out().contains("after step 10"), r.out());
        assertTrue(r.out().contains("trained 10 steps"), r.out());

        List<JsonNode> whole = metrics(runs.resolve("whole"));
        List<JsonNode> resumed = metrics(split);
        assertEquals(List.of(10), ofEvent(resumed, "recovery").stream().map(e -> e.get("step").asInt()).toList());
        for (String event : List.of("step", "eval")) {
            List<JsonNode> a = ofEvent(whole, event);
            List<JsonNode> b = ofEvent(resumed, event);
            assertEquals(a.size(), b.size(), event);
            for (int i = 0; i < a.size(); i++) {
                for (String field : List.of("step", "loss", "aux_loss", "lr", "grad_norm", "tokens", "val_loss")) {
                    assertEquals(a.get(i).get(field), b.get(i).get(field), event + " " + i + " " + field);
                }
            }
        }
        Path last = Path.of(CheckpointLayout.DIR, CheckpointLayout.name(STEPS));
        for (String file : List.of(CheckpointLayout.modelFile(0), CheckpointLayout.optimizerFile(0))) {
            assertArrayEquals(Files.readAllBytes(runs.resolve("whole").resolve(last).resolve(file)),
                    Files.readAllBytes(checkpoints.resolve(CheckpointLayout.name(STEPS)).resolve(file)),
                    file + " of the final checkpoints");
        }
        Path weights = Path.of(TrainCommand.MODEL_DIR, "model.safetensors");
        assertArrayEquals(Files.readAllBytes(runs.resolve("whole").resolve(weights)),
                Files.readAllBytes(split.resolve(weights)), "the saved final models");

        MainTest.Result done = train(runs, "split", "train.resume=latest", checkpointDir);
        assertEquals(1, done.code());
        assertTrue(done.err().contains("nothing left to train"), done.err());
        MainTest.Result other = train(runs, "split", "train.resume=latest", checkpointDir, "model.moe.experts=2");
        assertEquals(1, other.code());
        assertTrue(other.err().contains("different model section"), other.err());
        MainTest.Result nowhere = train(runs, "nope", "train.resume=latest");
        assertEquals(1, nowhere.code());
        assertTrue(nowhere.err().contains("no run directory " + runs.resolve("nope")), nowhere.err());
        assertFalse(Files.exists(runs.resolve("nope")));
    }

    @Test
    void withoutPreparedDataItSaysWhatToRunFirst() {
        Path missing = dir.resolve("nothing-here");
        MainTest.Result r = MainTest.run(tinyTraining(missing, dir.resolve("runs"), "tiny").toArray(String[]::new));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nothing-here") && r.err().contains("run bin/sparkmoe prepare first"), r.err());
        assertTrue(Files.notExists(dir.resolve("runs").resolve("tiny")), "no run directory for a run that cannot start");
    }

    static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> metrics = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            metrics.add(json.readTree(line));
        }
        return metrics;
    }

    private static List<JsonNode> ofEvent(List<JsonNode> metrics, String event) {
        return metrics.stream().filter(e -> e.get("event").asText().equals(event)).toList();
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
