package io.sparkmoe.jobs.ep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One configuration the locality benchmark trains: its name, the keys it sets over the base configuration, and how
 * the cost model is to read it (router name, slots, group limit, whether its pull toward the node is fitted).
 *
 * @param name           the variant's name (also its run directory's)
 * @param overrides      {@code key = value} lines set over the base configuration
 * @param router         the router as the calibration names it
 * @param k              slots per token
 * @param nodeLimit      the group limit, 0 = none
 * @param localityAware  the router pulls tokens toward their node (locality loss or grap)
 * @param averagingEvery 1 = all-reduce every step, n = periodic averaging every n steps
 */
public record LocalityVariant(String name, List<String> overrides, String router, int k, int nodeLimit,
                              boolean localityAware, int averagingEvery) {

    /** The variants {@code bench-locality} runs unless told otherwise, in order (topk first: the baseline). */
    public static final List<String> DEFAULT = List.of("topk", "switch", "hash", "locality", "grap", "group-limit",
            "locality-group-limit");

    /**
     * The named variants, {@code topk} (the baseline) first whether named or not; {@code locality} uses the LocMoE
     * locality loss at {@code localityWeight}; {@code averagingEvery > 1} adds {@code topk-periodic-n}, topk with
     * periodic averaging every n steps instead of the per-step all-reduce.
     *
     * @throws IllegalArgumentException naming an unknown variant and the known ones
     */
    public static List<LocalityVariant> of(List<String> names, double localityWeight, int averagingEvery) {
        Map<String, LocalityVariant> known = new LinkedHashMap<>();
        String mu = "routing.aux.locality = " + localityWeight;
        known.put("topk", new LocalityVariant("topk", List.of("routing.router = topk", "routing.top-k = 2"),
                "topk", 2, 0, false, 1));
        known.put("switch", new LocalityVariant("switch", List.of("routing.router = switch", "routing.top-k = 1"),
                "switch", 1, 0, false, 1));
        known.put("hash", new LocalityVariant("hash", List.of("routing.router = hash", "routing.top-k = 1"),
                "hash", 1, 0, false, 1));
        known.put("locality", new LocalityVariant("locality", List.of("routing.router = topk", "routing.top-k = 2", mu),
                "locmoe", 2, 0, true, 1));
        known.put("grap", new LocalityVariant("grap", List.of("routing.router = grap", "routing.top-k = 1"),
                "grap", 1, 0, true, 1));
        known.put("group-limit", new LocalityVariant("group-limit", List.of("routing.router = topk", "routing.top-k = 2",
                "routing.group-limit = 1"), "group-limit", 2, 1, false, 1));
        known.put("locality-group-limit", new LocalityVariant("locality-group-limit", List.of("routing.router = topk",
                "routing.top-k = 2", "routing.group-limit = 1", mu), "locmoe-group-limit", 2, 1, false, 1));
        List<LocalityVariant> out = new ArrayList<>();
        out.add(known.get("topk"));
        for (String n : names) {
            LocalityVariant v = known.get(n.strip());
            if (v == null) {
                throw new IllegalArgumentException("unknown variant '" + n.strip() + "': known are " + known.keySet());
            }
            if (!out.contains(v)) {
                out.add(v);
            }
        }
        if (averagingEvery > 1) {
            out.add(new LocalityVariant("topk-periodic-" + averagingEvery, List.of("routing.router = topk",
                    "routing.top-k = 2", "train.averaging.mode = periodic", "train.averaging.every = " + averagingEvery),
                    "topk", 2, 0, false, averagingEvery));
        }
        return out;
    }
}
