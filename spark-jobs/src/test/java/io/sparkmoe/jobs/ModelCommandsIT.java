package io.sparkmoe.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.jobs.deploy.Scripts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model commands as a user runs them, through {@code Main}: prepare a slice of the embedded corpus, train a tiny
 * MoE for a few steps (which saves {@code <run dir>/model}), then eval, generate, export and score that model.
 */
class ModelCommandsIT {

    @TempDir
    Path dir;

    @Test
    void trainEvalGenerateExportScore() throws Exception {
        Path data = dir.resolve("data");
        MainTest.Result prepared = MainTest.run(Scripts.smallPrepare(data));
        assertEquals(0, prepared.code(), prepared.err());

        List<String> train = new ArrayList<>(TrainIT.tinyTraining(data, dir.resolve("runs")));
        train.addAll(List.of("train.steps=6", "train.eval-every=3", "train.log-every=3", "train.optimizer.warmup-steps=1"));
        MainTest.Result trained = MainTest.run(train.toArray(String[]::new));
        assertEquals(0, trained.code(), trained.err());
        Path model = dir.resolve("runs").resolve("tiny").resolve("model");
        assertTrue(trained.out().contains("model: " + model), trained.out());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        assertArrayEquals(Files.readAllBytes(data.resolve("tokenizer.json")), Files.readAllBytes(model.resolve("tokenizer.json")));
        JsonNode config = new ObjectMapper().readTree(model.resolve("config.json").toFile());
        assertEquals(400, config.get("vocab_size").asInt());
        assertEquals(6, config.get("total_steps").asInt(), "training fields are kept");

        MainTest.Result eval = MainTest.run("eval", "--model", model.toString(), "data.output=" + data.toUri());
        assertEquals(0, eval.code(), eval.err());
        System.out.print(eval.out());
        JsonNode e = new ObjectMapper().readTree(model.resolve("eval.json").toFile());
        double loss = e.get("loss").asDouble();
        assertTrue(e.get("windows").asInt() > 0 && e.get("targets").asLong() == 32L * e.get("windows").asInt(), e.toString());
        assertTrue(loss > 0 && loss < Math.log(400), "below the uniform guess after training: " + loss);
        assertEquals(Math.exp(loss), e.get("perplexity").asDouble(), 1e-9 * Math.exp(loss));

        String[] greedy = {"generate", "--model", model.toString(), "--prompt", "The Parliament", "--temperature", "0",
                "--max-tokens", "8"};
        MainTest.Result g = MainTest.run(greedy);
        assertEquals(0, g.code(), g.err());
        System.out.print(g.out());
        assertTrue(g.out().startsWith("The Parliament"), g.out());
        String[] sampled = {"generate", "--model", model.toString(), "--prompt", "The Parliament", "--temperature",
                "0.9", "--top-k", "20", "--top-p", "0.9", "--seed", "3", "--max-tokens", "8"};
        assertEquals(MainTest.run(sampled).out(), MainTest.run(sampled).out(), "seeded sampling repeats");

        Path exported = dir.resolve("exported");
        MainTest.Result x = MainTest.run("export", "--model", model.toString(), "--out", exported.toString());
        assertEquals(0, x.code(), x.err());
        assertTrue(x.out().contains("in the qwen2-moe layout"), "topk without normalize fits Qwen2-MoE: " + x.out());
        String tokens = "0,17,255,399,42";
        assertEquals(MainTest.run("score", "--model", model.toString(), "--tokens", tokens).out(),
                MainTest.run("score", "--model", exported.toString(), "--tokens", tokens).out());
        MainTest.Result eval2 = MainTest.run("eval", "--model", exported.toString(), "data.output=" + data.toUri());
        assertEquals(0, eval2.code(), eval2.err());
        assertEquals(loss, new ObjectMapper().readTree(exported.resolve("eval.json").toFile()).get("loss").asDouble(), 1e-6,
                "the export evaluates the same");
    }
}
