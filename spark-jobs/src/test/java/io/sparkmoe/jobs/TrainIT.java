package io.sparkmoe.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.deploy.Scripts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparkmoe train} as a user runs it: {@code prepare} a slice of the embedded corpus, then train a tiny MoE
 * model on it in one JVM; the run directory holds the configuration and a metrics.jsonl whose loss falls.
 */
public class TrainIT {

    public static final int STEPS = 20;

    @TempDir
    Path dir;

    /** A tiny model's training on prepared data (a few seconds), as {@code Main} arguments. */
    public static List<String> tinyTraining(Path data, Path runs) {
        return List.of("train", "data.output=" + data.toUri(), "run.dir=" + runs, "run.name=tiny",
                "model.hidden-size=32", "model.layers=2", "model.heads=2", "model.seq-len=32",
                "model.dense-intermediate-size=64", "model.moe.experts=4", "model.moe.intermediate-size=32",
                "train.steps=" + STEPS, "train.batch-size=4", "train.eval-every=10", "train.eval-batches=2",
                "train.log-every=5", "train.optimizer.lr=0.01", "train.optimizer.min-lr=0.001",
                "train.optimizer.warmup-steps=2");
    }

    @Test
    void trainsATinyModelOnPreparedData() throws IOException {
        Path data = dir.resolve("data");
        MainTest.Result prepared = MainTest.run(Scripts.smallPrepare(data));
        assertEquals(0, prepared.code(), prepared.err());

        MainTest.Result r = MainTest.run(tinyTraining(data, dir.resolve("runs")).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        System.out.print(r.out());
        assertTrue(r.out().contains("trained " + STEPS + " steps") && r.out().contains("perplexity"), r.out());
        Path run = dir.resolve("runs").resolve("tiny");
        assertTrue(r.out().contains("run directory: " + run), r.out());
        assertTrue(Files.isRegularFile(run.resolve("config.conf")));

        List<JsonNode> metrics = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            metrics.add(json.readTree(line));
        }
        List<JsonNode> steps = ofEvent(metrics, "step");
        List<JsonNode> evals = ofEvent(metrics, "eval");
        assertEquals(STEPS, steps.size());
        assertEquals(List.of(10, 20), evals.stream().map(e -> e.get("step").asInt()).toList());
        double first = steps.get(0).get("loss").asDouble();
        double last = steps.get(STEPS - 1).get("loss").asDouble();
        assertTrue(last < first, "loss " + first + " -> " + last);
        assertTrue(evals.get(1).get("val_loss").asDouble() < evals.get(0).get("val_loss").asDouble(), evals.toString());
        assertTrue(ofEvent(metrics, "routing").size() > 0, "routing statistics are logged");
    }

    private static List<JsonNode> ofEvent(List<JsonNode> metrics, String event) {
        return metrics.stream().filter(e -> e.get("event").asText().equals(event)).toList();
    }

    @Test
    void withoutPreparedDataItSaysWhatToRunFirst() {
        Path missing = dir.resolve("nothing-here");
        MainTest.Result r = MainTest.run(tinyTraining(missing, dir.resolve("runs")).toArray(String[]::new));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nothing-here") && r.err().contains("run bin/sparkmoe prepare first"), r.err());
        assertTrue(Files.notExists(dir.resolve("runs").resolve("tiny")), "no run directory for a run that cannot start");
    }
}
