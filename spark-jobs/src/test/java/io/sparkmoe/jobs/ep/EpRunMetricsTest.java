package io.sparkmoe.jobs.ep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The locality benchmark's aggregation over hand-written metrics files of two ranks: medians of times after the
 * warm-up, shares that add up, bytes per token with and without the layer-less calls, the later line of a repeated
 * step, the last evaluation; and the errors for a missing file or field.
 */
class EpRunMetricsTest {

    @TempDir
    Path dir;

    /** A step event: compute, exchange wait, averaging, MoE exchange; remote bytes of layer 0, layer 1 and "all". */
    private static String step(int step, double compute, double wait, double averaging, double moe, long remote0,
                               long remote1, long remoteAll, long sameNode) {
        return ("{\"event\":\"step\",\"step\":%d,\"loss\":%s,\"timing\":{\"exchange\":%s},"
                + "\"breakdown\":{\"compute\":%s,\"exchange_wait\":%s,\"averaging\":%s},"
                + "\"traffic\":{\"same_rank\":1,\"same_node\":%d,\"remote\":%d},"
                + "\"traffic_per_layer\":{\"0\":{\"remote\":%d},\"1\":{\"remote\":%d},\"all\":{\"remote\":%d}}}")
                .formatted(step, 6.0 - step * 0.1, moe, compute, wait, averaging, sameNode, remote0 + remote1 + remoteAll,
                        remote0, remote1, remoteAll);
    }

    private void write(int rank, String... lines) throws Exception {
        Files.write(EpRunMetrics.fileOf(dir, rank), List.of(lines));
    }

    @Test
    void aggregatesTwoRanksAfterTheWarmup() throws Exception {
        write(0,
                step(1, 9.0, 9.0, 0, 9.0, 999_999, 999_999, 999_999, 999_999),     // warm-up: left out
                step(2, 0.5, 0.2, 0, 0.1, 1000, 600, 400, 100),
                step(3, 0.7, 0.1, 0, 0.05, 3000, 0, 400, 100),
                "{\"event\":\"eval\",\"step\":3,\"val_loss\":5.5,\"val_ppl\":244.7}",
                step(4, 0.6, 0.3, 0, 0.2, 200, 200, 400, 100),
                step(4, 0.6, 0.4, 0, 0.2, 800, 200, 400, 100),                    // rerun: this line counts
                "{\"event\":\"eval\",\"step\":4,\"val_loss\":5.25,\"val_ppl\":190.6}");
        write(1,
                step(1, 9.0, 9.0, 0, 9.0, 999_999, 999_999, 999_999, 999_999),
                step(2, 0.4, 0.3, 0, 0.15, 500, 500, 400, 300),
                step(3, 0.8, 0.2, 0, 0.1, 0, 0, 400, 300),
                step(4, 0.5, 0.2, 0, 0.1, 100, 900, 400, 300));
        EpRunMetrics m = EpRunMetrics.read(dir, 2, 100, 1);

        assertEquals(2, m.ranks());
        assertEquals(3, m.steps());
        // step times (compute + wait): 0.7, 0.8, 1.0 (rank 0); 0.7, 1.0, 0.7 (rank 1) -> median of six = 0.75
        assertEquals(0.75, m.stepSeconds(), 1e-12);
        assertEquals(4.9 / 6, m.meanStepSeconds(), 1e-12);
        assertEquals(0.55, m.computeSeconds(), 1e-12);      // 0.4 0.5 0.5 0.6 0.7 0.8
        assertEquals(0.2, m.exchangeWaitSeconds(), 1e-12);  // 0.1 0.2 0.2 0.2 0.3 0.4
        assertEquals(0.1, m.moeExchangeSeconds(), 1e-12);   // 0.05 0.1 0.1 0.1 0.15 0.2
        assertEquals(3.5 / 4.9, m.computeShare(), 1e-12);
        assertEquals(1.4 / 4.9, m.exchangeWaitShare(), 1e-12);
        assertEquals(0, m.averagingShare());
        assertEquals(1, m.computeShare() + m.exchangeWaitShare() + m.averagingShare(), 1e-12);
        // MoE remote bytes: 1600 + 3000 + 1000 + 1000 + 0 + 1000 = 7600 over 6 rank-steps of 100 tokens
        assertEquals(7600 / 600.0, m.moeRemoteBytesPerToken(), 1e-12);
        assertEquals((7600 + 6 * 400) / 600.0, m.remoteBytesPerToken(), 1e-12);
        assertEquals(1200 / 600.0, m.sameNodeBytesPerToken(), 1e-12);
        assertEquals(0.2 - 0.1, m.replicaSeconds(), 1e-12);
        assertEquals(5.25, m.valLoss());
        assertEquals(6.0 - 0.4, m.finalLoss(), 1e-12);
    }

    @Test
    void averagingCountsAsItsOwnShareAndAsReplicaTimeAndShowsInTheMeanStep() throws Exception {
        write(0, step(1, 1.0, 0.0, 0, 0.0, 0, 0, 0, 0), step(2, 1.0, 0.0, 0, 0.0, 0, 0, 0, 0),
                step(3, 1.0, 0.0, 1.5, 0.0, 0, 0, 0, 0));
        EpRunMetrics m = EpRunMetrics.read(dir, 1, 10, 0);
        assertEquals(1.0, m.stepSeconds(), 1e-12);           // the median hides the one averaging step in three
        assertEquals(4.5 / 3, m.meanStepSeconds(), 1e-12);
        assertEquals(0.5, m.averagingSeconds(), 1e-12);      // a mean: averaging happens every n-th step
        assertEquals(1.5 / 4.5, m.averagingShare(), 1e-12);
        assertEquals(0.5, m.replicaSeconds(), 1e-12);
        assertTrue(Double.isNaN(m.valLoss()));
    }

    @Test
    void refusesMissingFilesStepsAndFields() throws Exception {
        write(0, step(1, 1, 0, 0, 0, 0, 0, 0, 0), step(2, 1, 0, 0, 0, 0, 0, 0, 0));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> EpRunMetrics.read(dir, 2, 10, 0));
        assertTrue(missing.getMessage().contains("metrics-rank00001.jsonl"), missing.getMessage());

        IllegalArgumentException short_ = assertThrows(IllegalArgumentException.class,
                () -> EpRunMetrics.read(dir, 1, 10, 2));
        assertTrue(short_.getMessage().contains("no step event after the 2 warm-up steps"), short_.getMessage());

        write(0, "{\"event\":\"step\",\"step\":1,\"breakdown\":{\"compute\":1}}");
        IllegalArgumentException field = assertThrows(IllegalArgumentException.class,
                () -> EpRunMetrics.read(dir, 1, 10, 0));
        assertTrue(field.getMessage().contains("metrics.jsonl") && field.getMessage().contains("breakdown.exchange_wait"),
                field.getMessage());
    }

    @Test
    void reportComparesWithTopkAndWritesCalibrationFields() throws Exception {
        write(0, step(1, 1.0, 1.0, 0, 0.5, 300, 300, 10, 0));
        EpRunMetrics topk = EpRunMetrics.read(dir, 1, 10, 0);
        write(0, step(1, 1.0, 0.5, 0, 0.25, 150, 0, 10, 0));
        EpRunMetrics local = EpRunMetrics.read(dir, 1, 10, 0);
        List<LocalityVariant> v = LocalityVariant.of(List.of("group-limit"), 1.0, 0);
        LocalityReport report = new LocalityReport("t", List.of(new LocalityResult(v.get(0), 2, 2, topk, null),
                new LocalityResult(v.get(1), 2, 2, local, null)));
        ObjectMapper json = new ObjectMapper();
        JsonNode rows = report.toJson(json, json.createObjectNode()).get("variants");
        assertEquals("group-limit", rows.get(1).get("variant").asText());
        assertEquals(0.25, rows.get(1).get("moe_remote_bytes_vs_topk").asDouble(), 1e-12);
        assertEquals(1.5 / 2.0, rows.get(1).get("step_vs_topk").asDouble(), 1e-12);
    }

    @Test
    void variantsStartWithTopkAndRefuseUnknownNames() {
        List<LocalityVariant> v = LocalityVariant.of(List.of("grap", "topk"), 0.5, 5);
        assertEquals(List.of("topk", "grap", "topk-periodic-5"), v.stream().map(LocalityVariant::name).toList());
        assertEquals(5, v.get(2).averagingEvery());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalityVariant.of(List.of("topkk"), 1, 0));
        assertTrue(e.getMessage().contains("unknown variant 'topkk'"), e.getMessage());
    }
}
