package io.sparkmoe.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cost-model} through {@code Main}: projections per router, calibration against runs, errors. */
class CostModelCommandTest {

    @TempDir
    Path dir;

    private static final String RUN = """
            {"router": "%s", "k": 2, "locality_aware": %s, "nodes": 2, "ranks_per_node": 2, "experts_per_rank": 2,
             "hidden": 64, "moe_layers": 2, "tokens_per_rank": 2048, "replicated_params": 300000,
             "inter_mbit": 1000, "inter_latency_ms": 0.5, "intra_mbit": 20000, "intra_latency_ms": 0.05,
             "compute_s": 1.5, "exchange_s": %s, "replica_s": 0.02, "remote_bytes_per_token": %s}""";

    @Test
    void projectsEveryRouterAndCarriesTheMeasuredPullToLargeClusters() throws Exception {
        Path calibration = dir.resolve("runs.json");
        Files.writeString(calibration, "{\"runs\": [" + RUN.formatted("topk", false, 0.4, 1100) + ", "
                + RUN.formatted("locmoe", true, 0.25, 500) + "]}");
        Path out = dir.resolve("cost.json");
        MainTest.Result r = MainTest.run("cost-model", "--nodes", "2,8", "--samples", "4000", "--calibration",
                calibration.toString(), "--out", out.toString(), "preset=small");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("λ fitted"), r.out());
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertEquals(2, json.get("calibration").size());
        double lambda = json.get("calibration").get(1).get("lambda").asDouble();
        assertTrue(lambda > 0 && lambda < 1, "fitted λ " + lambda);
        assertTrue(json.get("calibration").get(0).get("lambda").isNull(), "topk is predicted, not fitted");
        assertEquals(2 * 4, json.get("projections").size(), "topk, switch/hash, group-limit, locmoe (grap: no run) x 2");
        for (JsonNode row : json.get("projections")) {
            if (row.get("nodes").asInt() != 8) {
                continue;
            }
            double vsTopk = row.get("remote_bytes_vs_topk").asDouble();
            switch (row.get("router").asText()) {
                case "topk" -> assertEquals(1.0, vsTopk, 1e-12);
                case "group-limit-1", "switch/hash", "locmoe" -> assertTrue(vsTopk < 0.8, row.toString());
                default -> assertTrue(vsTopk < 1, row.toString());
            }
            double share = row.get("exchange_s").asDouble() / row.get("step_s").asDouble();
            assertTrue(share > 0 && share < 1, row.toString());
        }
        assertTrue(json.get("assumptions").get("gpu").asText().contains("H100"));
    }

    @Test
    void errorsNameWhatIsWrong() throws Exception {
        MainTest.Result gpu = MainTest.run("cost-model", "--gpu", "v100", "--out", dir.resolve("a.json").toString());
        assertEquals(2, gpu.code());
        assertTrue(gpu.err().contains("unknown GPU 'v100'") && gpu.err().contains("h100-sxm"), gpu.err());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"runs\": [{\"router\": \"topk\", \"k\": 2}]}");
        MainTest.Result missing = MainTest.run("cost-model", "--calibration", bad.toString(), "--out",
                dir.resolve("b.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("run 0 lacks") && missing.err().contains("nodes"), missing.err());
        assertFalse(Files.exists(dir.resolve("b.json")), "nothing written on an error");
        MainTest.Result nodes = MainTest.run("cost-model", "--nodes", "8,x");
        assertEquals(2, nodes.code());
        assertTrue(nodes.err().contains("--nodes"), nodes.err());
    }
}
