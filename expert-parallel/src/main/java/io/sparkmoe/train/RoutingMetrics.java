package io.sparkmoe.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.routing.stats.RoutingStatistics;

/**
 * The fields of {@code routing} events (DESIGN.md, "Run directory") from the last forward of each MoE layer:
 * load per expert (before capacity drops, so imbalance is not hidden), dropped pairs, router entropy (null for
 * routers without probabilities) and the locality shares. In one JVM every expert is local, so all kept pairs
 * count as same-rank.
 */
public final class RoutingMetrics {

    private RoutingMetrics() {
    }

    /** One field map per MoE layer of the last forward, each with its {@code layer} index. */
    public static List<Map<String, Object>> of(MoeTransformer model) {
        return of(model.routingStatistics());
    }

    /** One field map per MoE layer of the given statistics (by block index), each with its {@code layer} index. */
    public static List<Map<String, Object>> of(SortedMap<Integer, RoutingStatistics> statistics) {
        List<Map<String, Object>> out = new ArrayList<>();
        statistics.forEach((layer, stats) -> out.add(fields(layer, stats)));
        return out;
    }

    private static Map<String, Object> fields(int layer, RoutingStatistics s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("layer", layer);
        f.put("load", s.load());
        f.put("dropped", s.droppedPairs());
        f.put("entropy", s.entropy().isPresent() ? s.entropy().getAsDouble() : null);
        f.put("max_over_mean", s.maxOverMean());
        Map<String, Double> share = new LinkedHashMap<>();
        share.put("same_rank", 1.0);
        share.put("same_node", 0.0);
        share.put("remote", 0.0);
        f.put("share", share);
        return f;
    }
}
