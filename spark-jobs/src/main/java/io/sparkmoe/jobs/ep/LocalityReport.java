package io.sparkmoe.jobs.ep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.List;

/**
 * The locality benchmark's comparison: each variant's figures and their ratio to topk's (the first result), as a
 * table and as JSON. Validation loss is compared as a relative difference, the rest as ratios.
 */
public record LocalityReport(String label, List<LocalityResult> results) {

    private EpRunMetrics baseline() {
        LocalityResult first = results.get(0);
        return first.ok() ? first.metrics() : null;
    }

    public void printTable(PrintStream out) {
        EpRunMetrics b = baseline();
        out.printf("%nlocality benchmark %s (times: medians per rank and step; bytes: per token of the global batch)%n",
                label);
        out.printf("%-22s %5s %11s %6s %11s %6s %8s %6s %8s %7s %6s %6s %8s %8s%n", "variant", "nodes", "MoE rem B/t",
                "vs", "all rem B/t", "vs", "step ms", "vs", "mean ms", "compute", "wait", "avg", "val loss", "vs");
        for (LocalityResult r : results) {
            if (!r.ok()) {
                out.printf("%-22s FAILED: %s%n", r.variant().name(), r.error());
                continue;
            }
            EpRunMetrics m = r.metrics();
            out.printf("%-22s %5d %11.0f %6s %11.0f %6s %8.1f %6s %8.1f %6.1f%% %5.1f%% %5.1f%% %8.4f %8s%n",
                    r.variant().name(), r.nodes(), m.moeRemoteBytesPerToken(),
                    ratio(m.moeRemoteBytesPerToken(), b == null ? Double.NaN : b.moeRemoteBytesPerToken()),
                    m.remoteBytesPerToken(), ratio(m.remoteBytesPerToken(), b == null ? Double.NaN : b.remoteBytesPerToken()),
                    m.stepSeconds() * 1e3, ratio(m.stepSeconds(), b == null ? Double.NaN : b.stepSeconds()),
                    m.meanStepSeconds() * 1e3,
                    100 * m.computeShare(), 100 * m.exchangeWaitShare(), 100 * m.averagingShare(), m.valLoss(),
                    b == null ? "" : String.format("%+.2f%%", 100 * relative(m.valLoss(), b.valLoss())));
        }
    }

    public ObjectNode toJson(ObjectMapper json, ObjectNode setting) {
        EpRunMetrics b = baseline();
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "bench-locality");
        root.put("label", label);
        root.set("setting", setting);
        ArrayNode rows = root.putArray("variants");
        for (LocalityResult r : results) {
            ObjectNode n = rows.addObject();
            n.put("variant", r.variant().name());
            n.set("overrides", json.valueToTree(r.variant().overrides()));
            if (!r.ok()) {
                n.put("error", r.error());
                continue;
            }
            EpRunMetrics m = r.metrics();
            n.put("nodes", r.nodes());
            n.put("ranks_per_node", r.ranksPerNode());
            n.put("steps_measured", m.steps());
            n.put("tokens_per_rank", m.tokensPerRank());
            n.put("moe_remote_bytes_per_token", m.moeRemoteBytesPerToken());
            n.put("remote_bytes_per_token", m.remoteBytesPerToken());
            n.put("same_node_bytes_per_token", m.sameNodeBytesPerToken());
            n.put("step_s", m.stepSeconds());
            n.put("step_mean_s", m.meanStepSeconds());
            n.put("compute_s", m.computeSeconds());
            n.put("exchange_wait_s", m.exchangeWaitSeconds());
            n.put("moe_exchange_s", m.moeExchangeSeconds());
            n.put("averaging_s", m.averagingSeconds());
            n.put("compute_share", m.computeShare());
            n.put("exchange_wait_share", m.exchangeWaitShare());
            n.put("averaging_share", m.averagingShare());
            n.put("final_loss", m.finalLoss());
            n.put("val_loss", m.valLoss());
            if (b != null) {
                putRatio(n, "moe_remote_bytes_vs_topk", m.moeRemoteBytesPerToken(), b.moeRemoteBytesPerToken());
                putRatio(n, "remote_bytes_vs_topk", m.remoteBytesPerToken(), b.remoteBytesPerToken());
                n.put("step_vs_topk", m.stepSeconds() / b.stepSeconds());
                n.put("step_mean_vs_topk", m.meanStepSeconds() / b.meanStepSeconds());
                n.put("val_loss_vs_topk", relative(m.valLoss(), b.valLoss()));
            }
        }
        return root;
    }

    /** The ratio, or null where topk's figure is 0 (one node: no remote bytes). */
    private static void putRatio(ObjectNode n, String key, double value, double baseline) {
        if (baseline == 0) {
            n.putNull(key);
        } else {
            n.put(key, value / baseline);
        }
    }

    private static String ratio(double value, double baseline) {
        return Double.isNaN(baseline) || baseline == 0 ? "-" : String.format("%.2fx", value / baseline);
    }

    private static double relative(double value, double baseline) {
        return (value - baseline) / baseline;
    }
}
