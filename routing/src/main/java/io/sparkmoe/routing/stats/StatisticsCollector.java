package io.sparkmoe.routing.stats;

import java.util.List;
import java.util.OptionalDouble;

import io.sparkmoe.routing.ExpertPlacement;
import io.sparkmoe.routing.RoutingInput;

/** Computes {@link RoutingStatistics} from a decision's arrays in one pass each. */
public final class StatisticsCollector {

    private StatisticsCollector() {
    }

    /**
     * @param input  the routing input (padding and placement)
     * @param ids    expert per pair [N, slots], −1 for none
     * @param kept   kept mask [N, slots]
     * @param slots  pairs per token
     * @param load   assignments per expert before drops
     * @param entropy mean router entropy (empty for routers without probabilities)
     */
    public static RoutingStatistics collect(RoutingInput input, int[] ids, boolean[] kept, int slots, int[] load,
                                            OptionalDouble entropy) {
        int experts = load.length;
        int[] perExpert = new int[experts];
        int assigned = 0;
        int keptPairs = 0;
        for (int pair = 0; pair < ids.length; pair++) {
            if (ids[pair] >= 0) {
                assigned++;
                if (kept[pair]) {
                    keptPairs++;
                    perExpert[ids[pair]]++;
                }
            }
        }
        double[] balance = balance(load, assigned);
        int[] sameRankNodeOther = input.placement().isPresent() ? locality(input, ids, kept, slots) : null;
        return new RoutingStatistics(load, perExpert, balance[0], balance[1], assigned - keptPairs,
                entropy,
                share(sameRankNodeOther, 0, keptPairs), share(sameRankNodeOther, 1, keptPairs),
                share(sameRankNodeOther, 2, keptPairs), bytes(sameRankNodeOther, input));
    }

    /**
     * The statistics of one batch split into equal parts routed separately (the data-parallel workers of one JVM,
     * each with as many tokens): loads, kept pairs and drops add up, the balance figures are those of the summed
     * load, the entropy is the parts' mean. Locality is a per-rank notion the parts do not have: empty.
     */
    public static RoutingStatistics combine(List<RoutingStatistics> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int experts = parts.get(0).load().length;
        int[] load = new int[experts];
        int[] perExpert = new int[experts];
        int dropped = 0;
        double entropy = 0;
        boolean hasEntropy = true;
        for (RoutingStatistics p : parts) {
            for (int e = 0; e < experts; e++) {
                load[e] += p.load()[e];
                perExpert[e] += p.tokensPerExpert()[e];
            }
            dropped += p.droppedPairs();
            hasEntropy &= p.entropy().isPresent();
            entropy += p.entropy().orElse(0);
        }
        int assigned = 0;
        for (int l : load) {
            assigned += l;
        }
        double[] balance = balance(load, assigned);
        return new RoutingStatistics(load, perExpert, balance[0], balance[1], dropped,
                hasEntropy ? OptionalDouble.of(entropy / parts.size()) : OptionalDouble.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), new long[0]);
    }

    /** {max_e load / mean, population std / mean} of a load over its experts ({0, 0} when nothing is assigned). */
    private static double[] balance(int[] load, int assigned) {
        int experts = load.length;
        double mean = assigned / (double) experts;
        double max = 0;
        double var = 0;
        for (int l : load) {
            max = Math.max(max, l);
            var += (l - mean) * (l - mean);
        }
        var /= experts;
        return new double[]{mean > 0 ? max / mean : 0, mean > 0 ? Math.sqrt(var) / mean : 0};
    }

    private static OptionalDouble share(int[] counts, int i, int total) {
        return counts == null ? OptionalDouble.empty() : OptionalDouble.of(total == 0 ? 0 : counts[i] / (double) total);
    }

    private static long[] bytes(int[] pairs, RoutingInput input) {
        if (pairs == null) {
            return new long[0];
        }
        long perPair = input.x().columns() * (long) input.x().dataType().width();
        return new long[]{pairs[0] * perPair, pairs[1] * perPair, pairs[2] * perPair};
    }

    private static int[] locality(RoutingInput input, int[] ids, boolean[] kept, int slots) {
        ExpertPlacement pl = input.placement().get();
        int[] tokenRank = input.tokenRank().get();
        int[] c = new int[3];
        for (int pair = 0; pair < ids.length; pair++) {
            int e = ids[pair];
            if (e >= 0 && kept[pair]) {
                int rank = tokenRank[pair / slots];
                if (pl.rankOf(e) == rank) {
                    c[0]++;
                } else if (pl.nodeOf(e) == pl.nodeOfRank(rank)) {
                    c[1]++;
                } else {
                    c[2]++;
                }
            }
        }
        return c;
    }
}
