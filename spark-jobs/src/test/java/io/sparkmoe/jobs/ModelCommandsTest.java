package io.sparkmoe.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.inference.Logits;
import io.sparkmoe.jobs.model.TinyModelDirs;
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.NativeConfig;
import io.sparkmoe.model.io.NativeModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** score, generate and export through {@code Main} on small model directories (no Spark, no prepared data). */
class ModelCommandsTest {

    @TempDir
    Path dir;

    private Path sigmoidModel() {
        NativeConfig c = TinyModelDirs.config(TinyModelDirs.moe(1, 0, false, Optional.empty()),
                TinyModelDirs.routing("sigmoid", 2, false), false);
        return TinyModelDirs.write(dir.resolve("sigmoid"), c, true);
    }

    private Path mixtralShaped() {
        NativeConfig c = TinyModelDirs.config(TinyModelDirs.moe(0, 0, false, Optional.empty()),
                TinyModelDirs.routing("topk", 2, true), true);
        return TinyModelDirs.write(dir.resolve("topk"), c, true);
    }

    private static MainTest.Result main(String... args) {
        return MainTest.run(args);
    }

    @Test
    void scorePrintsTheReferenceJsonWithTheModelsLogits() throws Exception {
        Path model = sigmoidModel();
        MainTest.Result r = main("score", "--model", model.toString(), "--tokens", "1,2,259,3");
        assertEquals(0, r.code(), r.err());
        String out = r.out().strip();
        assertTrue(out.startsWith("{\"tokens\": [1, 2, 259, 3], \"logits\": [["), out.substring(0, 60));
        assertTrue(out.endsWith("]]}"));
        JsonNode json = new ObjectMapper().readTree(out);
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("tokens", "logits"), fields);
        LoadedModel loaded = NativeModel.load(model);
        double[][] expected = Logits.of(loaded.model(), TinyModelDirs.VOCAB, new int[]{1, 2, 259, 3});
        assertEquals(4, json.get("logits").size());
        for (int t = 0; t < 4; t++) {
            assertEquals(TinyModelDirs.VOCAB, json.get("logits").get(t).size());
            for (int v = 0; v < TinyModelDirs.VOCAB; v++) {
                assertEquals((float) expected[t][v], (float) json.get("logits").get(t).get(v).asDouble(), 0f,
                        "the printed decimal reads back to the float32 logit");
            }
        }
        Path file = dir.resolve("out/logits.json");
        MainTest.Result toFile = main("score", "--model", model.toString(), "--tokens", "1,2,259,3", "--out", file.toString());
        assertEquals(0, toFile.code(), toFile.err());
        assertEquals(out, Files.readString(file).strip());
    }

    @Test
    void scoreErrorsNameTheOptionOrTheFile() throws Exception {
        Path model = sigmoidModel();
        MainTest.Result noModel = main("score", "--tokens", "1");
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().contains("--model DIR is required"), noModel.err());
        MainTest.Result badTokens = main("score", "--model", model.toString(), "--tokens", "1,x");
        assertEquals(2, badTokens.code());
        assertTrue(badTokens.err().contains("--tokens expects comma-separated integers, got 'x'"), badTokens.err());
        MainTest.Result outside = main("score", "--model", model.toString(), "--tokens", "1,260");
        assertEquals(2, outside.code());
        assertTrue(outside.err().contains("token id 260 is outside the vocabulary [0, 260)"), outside.err());
        MainTest.Result missingDir = main("score", "--model", dir.resolve("none").toString(), "--tokens", "1");
        assertEquals(1, missingDir.code());
        assertTrue(missingDir.err().contains("none: no such model directory"), missingDir.err());
        Files.delete(model.resolve(NativeModel.CONFIG));
        MainTest.Result noConfig = main("score", "--model", model.toString(), "--tokens", "1");
        assertEquals(1, noConfig.code());
        assertTrue(noConfig.err().contains(model.resolve(NativeModel.CONFIG) + ": missing"), noConfig.err());
        assertTrue(!noConfig.err().contains("\tat "), "a user's mistake gets no stack trace: " + noConfig.err());
    }

    @Test
    void greedyGenerationIsRepeatableAndSeededSamplingIsReproducible() {
        String model = mixtralShaped().toString();
        MainTest.Result a = main("generate", "--model", model, "--prompt", "the tea", "--temperature", "0",
                "--max-tokens", "12");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().startsWith("the tea"), a.out());
        assertEquals(a.out(), main("generate", "--model", model, "--prompt", "the tea", "--temperature", "0",
                "--max-tokens", "12", "--seed", "99").out(), "greedy ignores the seed");
        String[] sampled = {"generate", "--model", model, "--prompt", "the tea", "--temperature", "1.5",
                "--max-tokens", "40", "--seed", "5"};
        MainTest.Result s1 = main(sampled);
        assertEquals(0, s1.code(), s1.err());
        assertEquals(s1.out(), main(sampled).out());
        sampled[sampled.length - 1] = "6";
        assertNotEquals(s1.out(), main(sampled).out(), "another seed, another text");
        sampled[sampled.length - 1] = "5";
        String[] recomputed = java.util.Arrays.copyOf(sampled, sampled.length + 1);
        recomputed[sampled.length] = "--no-cache";
        assertEquals(s1.out(), main(recomputed).out(), "the key/value cache changes nothing");
        MainTest.Result bad = main("generate", "--model", model, "--prompt", "x", "--top-p", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("top-p must be in (0, 1]"), bad.err());
    }

    @Test
    void generateWithoutATokenizerSaysSo() {
        NativeConfig c = TinyModelDirs.config(TinyModelDirs.moe(0, 0, false, Optional.empty()),
                TinyModelDirs.routing("topk", 2, true), false);
        Path model = TinyModelDirs.write(dir.resolve("bare"), c, false);
        MainTest.Result r = main("generate", "--model", model.toString(), "--prompt", "hi");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(model.resolve("tokenizer.json") + ": missing"), r.err());
    }

    @Test
    void exportPicksTheLayoutTheModelFitsAndScoresTheSame() {
        Path model = mixtralShaped();
        Path out = dir.resolve("exported");
        MainTest.Result r = main("export", "--model", model.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("in the mixtral layout"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        String tokens = "5,259,7,1";
        assertEquals(main("score", "--model", model.toString(), "--tokens", tokens).out(),
                main("score", "--model", out.toString(), "--tokens", tokens).out());

        MainTest.Result misfit = main("export", "--model", sigmoidModel().toString(), "--out",
                dir.resolve("x").toString(), "--layout", "mixtral");
        assertEquals(2, misfit.code());
        assertTrue(misfit.err().contains("mixtral needs router topk with normalize") && misfit.err().contains("router sigmoid"),
                misfit.err());
        assertTrue(Files.notExists(dir.resolve("x")));
        MainTest.Result again = main("export", "--model", model.toString(), "--out", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists and is not empty"), again.err());
    }
}
