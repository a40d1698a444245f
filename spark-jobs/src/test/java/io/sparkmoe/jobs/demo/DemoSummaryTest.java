package io.sparkmoe.jobs.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoSummaryTest {

    @TempDir
    Path dir;

    @Test
    void lossEndsLoadSharesAndThroughputComeFromTheMetrics() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int step = 1; step <= 25; step++) {
            // loss 25, 24, ..., 1; 100 tokens per step at 50 tokens/s
            lines.add("{\"event\":\"step\",\"step\":" + step + ",\"time\":0,\"loss\":" + (26 - step)
                    + ",\"tokens\":" + step * 100 + ",\"tokens_per_s\":50.0}");
        }
        lines.add("{\"event\":\"routing\",\"step\":10,\"time\":0,\"layer\":1,\"load\":[6,2,0,0]}");
        lines.add("{\"event\":\"routing\",\"step\":20,\"time\":0,\"layer\":1,\"load\":[0,2,2,0]}");
        lines.add("{\"event\":\"routing\",\"step\":20,\"time\":0,\"layer\":0,\"load\":[1,1,1,1]}");
        Path metrics = Files.write(dir.resolve("metrics.jsonl"), lines);

        DemoSummary s = DemoSummary.of(metrics, 2.0, 3.0);
        assertEquals(25, s.steps());
        assertEquals(20.5, s.lossStart(), 1e-12, "mean of 25..16");
        assertEquals(5.5, s.lossEnd(), 1e-12, "mean of 10..1");
        assertEquals(50.0, s.tokensPerSecond(), 1e-9);
        assertEquals(Math.exp(2.0), s.valPerplexity(), 1e-12);
        assertArrayEquals(new double[] {0.375, 0.375, 0.25, 0}, s.expertLoad().get(1), 1e-12, "(6/8 + 0, 2/8 + 1/2, 0 + 1/2, 0) / 2");
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, s.expertLoad().get(0), 1e-12);
        assertEquals(0.0, DemoSummary.coefficientOfVariation(s.expertLoad().get(0)), 1e-12);
        assertTrue(s.lines().get(1).contains("1.000 nats below"), s.lines().get(1));
        assertTrue(s.lines().get(2).startsWith("layer 0 expert load 25.0% 25.0% 25.0% 25.0%  (cv 0.00)"), s.lines().get(2));

        JsonNode json = new ObjectMapper().readTree(s.toJson());
        assertEquals(3.0, json.get("unigram_entropy").asDouble());
        assertEquals(0.375, json.get("expert_load").get("1").get("share").get(0).asDouble());
    }

    @Test
    void aRunWithoutStepsIsAnError() throws Exception {
        Path metrics = Files.write(dir.resolve("metrics.jsonl"), List.of("{\"event\":\"eval\",\"step\":1}"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DemoSummary.of(metrics, 1, 1));
        assertTrue(e.getMessage().contains("no step events"), e.getMessage());
    }
}
