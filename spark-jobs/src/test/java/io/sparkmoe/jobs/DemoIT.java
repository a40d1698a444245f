package io.sparkmoe.jobs;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.model.io.NativeModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's main job, {@code sparkmoe demo}, end to end through {@code Main} on a slice of the embedded corpus: one
 * self-contained run directory with the shards, metrics, model, evaluation, export and summary, and a model whose
 * validation loss falls well below the corpus's unigram entropy — it learned to use context, not just token
 * frequencies.
 */
class DemoIT {

    /** "Well below": a margin no context-free model can reach, since the unigram entropy is their best loss. */
    static final double MARGIN_NATS = 0.3;

    @TempDir
    Path dir;

    @Test
    void demoLeavesACompleteRunWhoseModelBeatsTheUnigramEntropy() throws Exception {
        MainTest.Result r = MainTest.run("demo", "run.dir=" + dir, "run.name=demo", "data.max-documents=400",
                "data.tokenizer.vocab-size=400", "data.shard-tokens=20000", "model.hidden-size=32", "model.layers=2",
                "model.heads=2", "model.seq-len=32", "model.dense-intermediate-size=64", "model.moe.experts=4",
                "model.moe.intermediate-size=32", "train.steps=150", "train.batch-size=8", "train.eval-every=50",
                "train.eval-batches=2", "train.log-every=50", "train.optimizer.lr=0.01",
                "train.optimizer.min-lr=0.001", "train.optimizer.warmup-steps=5");
        System.out.print(r.out());
        assertEquals(0, r.code(), r.err());
        Path run = dir.resolve("demo");
        for (String file : new String[] {"config.conf", "driver.log", "metrics.jsonl", "summary.json", "eval.json",
                "data/manifest.json", "data/tokenizer.json", "model/" + NativeModel.WEIGHTS, "export/config.json",
                "export/" + NativeModel.WEIGHTS, "export/tokenizer.json"}) {
            assertTrue(Files.isRegularFile(run.resolve(file)), file + " in the run directory");
        }
        assertTrue(Files.readString(run.resolve("config.conf")).contains(run.resolve("data").toString()),
                "config.conf records where the data went");
        JsonNode exported = new ObjectMapper().readTree(run.resolve("export/config.json").toFile());
        assertEquals("qwen2_moe", exported.get("model_type").asText(),
                "top-k without normalize on every layer fits Qwen2-MoE (norm_topk_prob false), not Mixtral");

        JsonNode s = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertEquals(150, s.get("steps").asInt());
        assertTrue(s.get("loss_end").asDouble() < s.get("loss_start").asDouble(), s.toString());
        double val = s.get("val_loss").asDouble();
        double unigram = s.get("unigram_entropy").asDouble();
        assertTrue(val < unigram - MARGIN_NATS, "validation loss " + val + " vs unigram entropy " + unigram);
        assertEquals(2, s.get("expert_load").size(), "both MoE layers summarised");
        double shareSum = 0;
        for (JsonNode x : s.get("expert_load").get("0").get("share")) {
            shareSum += x.asDouble();
        }
        assertEquals(1.0, shareSum, 1e-9, "a layer's expert shares sum to 1");
        assertTrue(r.out().contains("== summary") && r.out().contains("unigram entropy"), r.out());
    }
}
