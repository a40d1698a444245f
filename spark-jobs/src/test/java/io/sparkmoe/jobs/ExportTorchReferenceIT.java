package io.sparkmoe.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.model.TinyModelDirs;
import io.sparkmoe.jobs.testing.PythonEnv;
import io.sparkmoe.model.io.NativeConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our exports load in the PyTorch reference ({@code ../shared/bench/torch_reference.py logits}, which reads the native
 * layout and, through its {@code from_hf}, the Mixtral, Qwen2-MoE and Llama ones) with the logits that {@code score}
 * prints, within 1e-4. Small models of each shape: top-k with normalize (auto → mixtral), top-k with a first dense layer
 * and a gated shared expert (→ qwen2-moe), dense (→ llama), and sigmoid with a selection bias, cosine and hash (→ native);
 * those that fit a public layout are also exported explicitly in the native layout. Norms and biases are random, so a
 * misnamed tensor shows.
 * Skipped, saying why, when no Python with torch can be had.
 */
class ExportTorchReferenceIT {

    static final String TOKENS = "1,5,259,17,3,200,42,7,258,99";

    @TempDir
    Path dir;

    record Case(String name, NativeConfig config, String auto) {
    }

    static List<Case> cases() {
        return List.of(
                new Case("topk-normalize", TinyModelDirs.config(TinyModelDirs.moe(0, 0, false, Optional.empty()),
                        TinyModelDirs.routing("topk", 2, true), false), "mixtral"),
                new Case("topk-shared", TinyModelDirs.config(TinyModelDirs.moe(1, 1, true, Optional.empty()),
                        TinyModelDirs.routing("topk", 2, false), true), "qwen2-moe"),
                new Case("dense", TinyModelDirs.config(TinyModelDirs.moe(0, 0, false, Optional.of(List.of())),
                        TinyModelDirs.routing("topk", 2, false), false), "llama"),
                new Case("sigmoid", TinyModelDirs.config(TinyModelDirs.moe(0, 2, false, Optional.empty()),
                        TinyModelDirs.routing("sigmoid", 2, false), false), "native"),
                new Case("cosine", TinyModelDirs.config(TinyModelDirs.moe(0, 0, false, Optional.empty()),
                        TinyModelDirs.routing("cosine", 2, true), false), "native"),
                new Case("hash", TinyModelDirs.config(TinyModelDirs.moe(1, 0, false, Optional.empty()),
                        TinyModelDirs.routing("hash", 1, false), false), "native"));
    }

    @Test
    void theReferenceGivesScoresLogitsForEveryExport() throws Exception {
        String python = PythonEnv.require("torch");
        Path reference = PythonEnv.ROOT.resolve("../shared/bench/torch_reference.py").normalize();
        Assumptions.assumeTrue(Files.isRegularFile(reference), "skipped: no PyTorch reference at " + reference);
        for (Case c : cases()) {
            Path model = TinyModelDirs.write(dir.resolve(c.name()), c.config(), true);
            JsonNode ours = score(model);
            for (String layout : c.auto().equals("native") ? List.of("auto") : List.of("auto", "native")) {
                Path out = dir.resolve(c.name() + "-" + layout);
                MainTest.Result r = MainTest.run("export", "--model", model.toString(), "--out", out.toString(),
                        "--layout", layout);
                assertEquals(0, r.code(), r.err());
                String expected = layout.equals("auto") ? c.auto() : "native";
                assertTrue(r.out().contains("in the " + expected + " layout"), c.name() + ": " + r.out());
                assertEquals(ours, score(out), c.name() + ": score of the " + expected + " export");
                JsonNode theirs = referenceLogits(python, reference, out);
                assertEquals(ours.get("tokens"), theirs.get("tokens"));
                double worst = maxDifference(ours.get("logits"), theirs.get("logits"));
                System.out.printf("%s via %s: max |score - reference| = %.2e%n", c.name(), expected, worst);
                assertTrue(worst <= 1e-4, c.name() + " via " + expected + ": logits differ by " + worst);
            }
        }
    }

    private JsonNode score(Path model) throws IOException {
        MainTest.Result r = MainTest.run("score", "--model", model.toString(), "--tokens", TOKENS);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    private JsonNode referenceLogits(String python, Path reference, Path model) throws Exception {
        Path out = dir.resolve("reference-" + model.getFileName() + ".json");
        Process p = new ProcessBuilder(python, reference.toString(), "logits", "--model", model.toString(),
                "--tokens", TOKENS, "--out", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "reference timed out");
        assertEquals(0, p.exitValue(), "torch_reference.py logits --model " + model + ":\n" + log);
        return new ObjectMapper().readTree(out.toFile());
    }

    private static double maxDifference(JsonNode a, JsonNode b) {
        assertEquals(a.size(), b.size(), "positions");
        double worst = 0;
        for (int t = 0; t < a.size(); t++) {
            assertEquals(a.get(t).size(), b.get(t).size(), "vocabulary");
            for (int v = 0; v < a.get(t).size(); v++) {
                worst = Math.max(worst, Math.abs(a.get(t).get(v).asDouble() - b.get(t).get(v).asDouble()));
            }
        }
        return worst;
    }
}
