package io.sparkmoe.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.train.checkpoint.Checkpoint;
import io.sparkmoe.train.checkpoint.CheckpointException;
import io.sparkmoe.train.checkpoint.CheckpointLayout;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resume is bit-identical: {@code 2n} steps in one go versus {@code n} steps, a checkpoint, a new Trainer resumed
 * from it and {@code n} more give the same losses, validations and final tensors, compared with {@code ==}.
 */
class CheckpointResumeTest {

    static final int STEPS = 12;
    static final int HALF = 6;

    @TempDir
    static Path dir;
    static ShardSet data;

    @BeforeAll
    static void shards() throws IOException {
        data = SyntheticShards.write(Files.createDirectories(dir.resolve("data")), 5);
    }

    static SparkMoeConfig config(String router, String... extra) {
        List<String> all = new ArrayList<>(List.of("train.steps=" + STEPS, "train.eval-every=4",
                "train.log-every=3", "train.checkpoint-every=" + HALF, "routing.router=" + router));
        all.addAll(List.of(extra));
        return TrainerTest.config(all.toArray(String[]::new));
    }

    static CheckpointStore store(Path runDir) {
        return CheckpointStore.ofRun(new Configuration(), runDir.toUri().toString(), 3);
    }

    /** Trainers of one router: the uninterrupted one and the resumed one, with their runs' results. */
    record Pair(Trainer whole, TrainResult wholeResult, Trainer resumed, TrainResult resumedResult, Path wholeRun,
                Path splitRun) {
    }

    static Pair trainBothWays(ShardSet data, String router, CheckpointStore wholeStore, CheckpointStore splitStore, Path wholeRun,
                              Path splitRun, String... extra) throws IOException {
        SparkMoeConfig config = config(router, extra);
        Files.createDirectories(wholeRun);
        Files.createDirectories(splitRun);
        Trainer whole = new Trainer(config, data, wholeStore);
        TrainResult all;
        try (MetricsWriter m = new MetricsWriter(wholeRun.resolve(MetricsWriter.FILE))) {
            all = whole.run(m);
        }
        try (MetricsWriter m = new MetricsWriter(splitRun.resolve(MetricsWriter.FILE))) {
            TrainResult firstHalf = new Trainer(config, data, splitStore).run(m, HALF);
            assertArrayEquals(java.util.Arrays.copyOf(all.losses(), HALF), firstHalf.losses());
        }
        Checkpoint checkpoint = splitStore.open(splitStore.latest().orElseThrow());
        assertEquals(HALF, checkpoint.state().step());
        Trainer resumed = new Trainer(config, data, splitStore);
        TrainResult rest;
        try (MetricsWriter m = MetricsWriter.continuing(splitRun.resolve(MetricsWriter.FILE),
                checkpoint.state().elapsedSeconds())) {
            resumed.resume(checkpoint, m);
            rest = resumed.run(m);
        }
        return new Pair(whole, all, resumed, rest, wholeRun, splitRun);
    }

    /** Asserts that the resumed run continued the uninterrupted one exactly. */
    static void assertContinuesExactly(Pair p, byte[] wholeModel, byte[] resumedModel, byte[] wholeOptimizer,
                                       byte[] resumedOptimizer) {
        assertEquals(HALF + 1, p.resumedResult().firstStep());
        assertEquals(STEPS, p.resumed().completedSteps());
        assertArrayEquals(java.util.Arrays.copyOfRange(p.wholeResult().losses(), HALF, STEPS), p.resumedResult().losses(),
                "losses of steps " + (HALF + 1) + ".." + STEPS);
        assertEquals(p.wholeResult().evaluations().stream().filter(e -> e.step() > HALF).toList(),
                p.resumedResult().evaluations(), "validations after the resume");
        Map<String, INDArray> a = p.whole().model().parameters().tensors();
        Map<String, INDArray> b = p.resumed().model().parameters().tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).dup('c').data().asDouble(), b.get(name).dup('c').data().asDouble(), name);
        }
        assertArrayEquals(wholeModel, resumedModel, "the final checkpoints' model files are the same bytes");
        assertArrayEquals(wholeOptimizer, resumedOptimizer, "and so are the optimizer files");
    }

    @Test
    void resumingTwoDataParallelWorkersContinuesBitForBit() throws IOException {
        // the replicas are rebuilt from the checkpoint's tensors: the resumed run must not notice
        Path wholeRun = dir.resolve("workers-whole");
        Path splitRun = dir.resolve("workers-split");
        Pair p = trainBothWays(data, "topk", store(wholeRun), store(splitRun), wholeRun, splitRun, "train.workers=2");
        Path last = Path.of(CheckpointLayout.DIR, CheckpointLayout.name(STEPS));
        assertContinuesExactly(p, Files.readAllBytes(wholeRun.resolve(last).resolve(CheckpointLayout.modelFile(0))),
                Files.readAllBytes(splitRun.resolve(last).resolve(CheckpointLayout.modelFile(0))),
                Files.readAllBytes(wholeRun.resolve(last).resolve(CheckpointLayout.optimizerFile(0))),
                Files.readAllBytes(splitRun.resolve(last).resolve(CheckpointLayout.optimizerFile(0))));
    }

    @Test
    void aCheckpointOfOneWorkerResumesWithTwo() throws IOException {
        // train.workers is not part of the fingerprint: the replicas start from the checkpoint's tensors and the
        // continuation differs from one worker's by float rounding only
        Path run = dir.resolve("one-then-two");
        Files.createDirectories(run);
        CheckpointStore store = store(run);
        TrainResult whole;
        try (MetricsWriter m = new MetricsWriter(run.resolve("whole.jsonl"))) {
            whole = new Trainer(config("topk"), data).run(m);
        }
        try (MetricsWriter m = new MetricsWriter(run.resolve(MetricsWriter.FILE))) {
            new Trainer(config("topk"), data, store).run(m, HALF);
        }
        Trainer two = new Trainer(config("topk", "train.workers=2"), data, store);
        TrainResult rest;
        try (MetricsWriter m = MetricsWriter.continuing(run.resolve(MetricsWriter.FILE), 0)) {
            two.resume(store.open(store.latest().orElseThrow()), m);
            rest = two.run(m);
        }
        assertEquals(HALF + 1, rest.firstStep());
        for (int i = 0; i < rest.losses().length; i++) {
            double expected = whole.losses()[HALF + i];
            assertEquals(expected, rest.losses()[i], 2e-2 * expected, "step " + (HALF + 1 + i));
        }
        assertEquals(whole.losses()[HALF], rest.losses()[0], 1e-4, "the first step after the resume");
    }

    @ParameterizedTest
    @ValueSource(strings = {"topk", "sigmoid"})
    void resumingContinuesBitForBit(String router) throws IOException {
        Path wholeRun = dir.resolve(router + "-whole");
        Path splitRun = dir.resolve(router + "-split");
        Pair p = trainBothWays(data, router, store(wholeRun), store(splitRun), wholeRun, splitRun);
        Path last = Path.of(CheckpointLayout.DIR, CheckpointLayout.name(STEPS));
        assertContinuesExactly(p, Files.readAllBytes(wholeRun.resolve(last).resolve(CheckpointLayout.modelFile(0))),
                Files.readAllBytes(splitRun.resolve(last).resolve(CheckpointLayout.modelFile(0))),
                Files.readAllBytes(wholeRun.resolve(last).resolve(CheckpointLayout.optimizerFile(0))),
                Files.readAllBytes(splitRun.resolve(last).resolve(CheckpointLayout.optimizerFile(0))));

        List<JsonNode> whole = events(wholeRun);
        List<JsonNode> split = events(splitRun);
        assertEquals(List.of(HALF, STEPS), steps(whole, "checkpoint"));
        assertEquals(List.of(HALF, STEPS), steps(split, "checkpoint"), "the interrupted run's, then the resumed run's");
        assertEquals(List.of(HALF), steps(split, "recovery"));
        JsonNode recovery = ofEvent(split, "recovery").get(0);
        assertTrue(recovery.get("from").asText().endsWith(CheckpointLayout.name(HALF)), recovery.toString());
        assertTrue(recovery.get("bytes").asLong() > 0 && recovery.get("seconds").isNumber(), recovery.toString());
        JsonNode checkpoint = ofEvent(split, "checkpoint").get(0);
        assertTrue(checkpoint.get("bytes").asLong() > 0 && checkpoint.get("seconds").isNumber()
                && checkpoint.get("files").asInt() == 5, checkpoint.toString());
        assertEquals(ofEvent(whole, "eval").stream().map(e -> e.get("val_loss").asDouble()).toList(),
                ofEvent(split, "eval").stream().map(e -> e.get("val_loss").asDouble()).toList(),
                "eval events in metrics.jsonl agree too");
        assertEquals(steps(whole, "step"), steps(split, "step"), "one step event per step, appended after the resume");
        double resumedAt = recovery.get("time").asDouble();
        double before = ofEvent(split, "step").get(HALF - 1).get("time").asDouble();
        assertTrue(resumedAt >= before, "the clock goes on from the checkpoint's: " + before + " then " + resumedAt);
    }

    @Test
    void aCheckpointOfAnotherConfigurationIsRefused() throws IOException {
        Path run = dir.resolve("other-config");
        CheckpointStore store = store(run);
        Files.createDirectories(run);
        try (MetricsWriter m = new MetricsWriter(run.resolve(MetricsWriter.FILE))) {
            new Trainer(config("topk"), data, store).run(m, HALF);
        }
        Checkpoint checkpoint = store.open(store.latest().orElseThrow());
        try (MetricsWriter m = MetricsWriter.continuing(run.resolve(MetricsWriter.FILE), 0)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> new Trainer(config("topk", "model.moe.intermediate-size=8"), data, store).resume(checkpoint, m));
            assertTrue(e.getMessage().contains("state.json: the checkpoint was written with a different model section (model.*)"),
                    e.getMessage());
            e = assertThrows(CheckpointException.class,
                    () -> new Trainer(config("topk", "run.seed=8"), data, store).resume(checkpoint, m));
            assertTrue(e.getMessage().contains("run.seed"), e.getMessage());
        }
        assertEquals(Optional.empty(), events(run).stream().filter(e -> e.get("event").asText().equals("recovery"))
                .findAny(), "a refused resume writes no recovery event");
    }

    static List<JsonNode> events(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(MetricsWriter.FILE))) {
            out.add(json.readTree(line));
        }
        return out;
    }

    static List<JsonNode> ofEvent(List<JsonNode> events, String name) {
        return events.stream().filter(e -> e.get("event").asText().equals(name)).toList();
    }

    static List<Integer> steps(List<JsonNode> events, String name) {
        return ofEvent(events, name).stream().map(e -> e.get("step").asInt()).toList();
    }
}
