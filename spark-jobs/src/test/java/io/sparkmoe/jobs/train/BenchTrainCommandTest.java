package io.sparkmoe.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.Main;
import io.sparkmoe.jobs.testing.PythonEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparkmoe bench-train} on a very small model: the JSON it writes (ND4J alone), and, with the PyTorch
 * reference, that both engines were given the same model: the reference's own FLOPs per token equal ours, for a
 * shape with dense layers, a shared expert with its gate and top-2 routing.
 */
class BenchTrainCommandTest {

    private static final List<String> SMALL = List.of("preset=tiny", "model.hidden-size=16", "model.heads=2",
            "model.layers=2", "model.seq-len=8", "model.dense-intermediate-size=24", "model.moe.experts=4",
            "model.moe.intermediate-size=8", "data.tokenizer.vocab-size=300", "train.batch-size=2");

    @TempDir
    Path dir;

    private JsonNode run(List<String> extra) throws IOException {
        Path out = dir.resolve("bench.json");
        List<String> args = new ArrayList<>(List.of("bench-train", "--rounds", "1", "--steps", "2", "--warmup", "0",
                "--threads", "1", "--out", out.toString()));
        args.addAll(extra);
        args.addAll(SMALL);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertEquals(0, code, stdout + "\n" + stderr);
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("written to " + out));
        return new ObjectMapper().readTree(Files.readString(out));
    }

    @Test
    void writesTheNd4jFiguresAndSaysWhyTorchWasNotRun() throws IOException {
        JsonNode r = run(List.of("--no-torch"));
        assertEquals("train-speed", r.get("benchmark").asText());
        assertEquals("--no-torch", r.get("torch_skipped").asText());
        assertFalse(r.has("torch"));
        assertEquals(16, r.get("tokens_per_step").asInt());
        JsonNode n = r.get("nd4j");
        for (String key : List.of("train_tokens_per_s", "forward_tokens_per_s", "gemm_gflops_1024", "mfu")) {
            assertTrue(n.get(key).get("median").asDouble() > 0, key + " in " + n);
        }
        for (String phase : List.of("attention", "route", "dispatch", "experts", "combine", "other", "optimizer")) {
            assertTrue(n.get("step_breakdown_s").has(phase), phase + " in " + n);
        }
        assertTrue(n.get("peak_heap_bytes_per_token").asDouble() > 0);
        assertTrue(Double.isFinite(n.get("final_loss").asDouble()));
    }

    @Test
    void theReferenceBenchRunsTheSameModel() throws IOException {
        String python = PythonEnv.require("torch");
        Path reference = PythonEnv.ROOT.resolve("../shared/bench/torch_reference.py").normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(reference), "skipped: no " + reference);
        JsonNode r = run(List.of("--python", python, "--reference", reference.toString(), "model.moe.first-dense-layers=1",
                "model.moe.shared-experts=1", "model.moe.shared-gate=true"));
        assertEquals(r.get("flops_per_token").asDouble(), r.get("torch").get("flops_per_token").asDouble(), 0.0);
        assertTrue(r.get("nd4j_over_torch").get("train_tokens_per_s").asDouble() > 0);
    }
}
