package io.sparkmoe.routing.stats;

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
        double mean = assigned / (double) experts;
        double max = 0;
        double var = 0;
        for (int l : load) {
            max = Math.max(max, l);
            var += (l - mean) * (l - mean);
        }
        var /= experts;
        double maxOverMean = mean > 0 ? max / mean : 0;
        double cv = mean > 0 ? Math.sqrt(var) / mean : 0;
        int[] sameRankNodeOther = input.placement().isPresent() ? locality(input, ids, kept, slots) : null;
        return new RoutingStatistics(load, perExpert, maxOverMean, cv, assigned - keptPairs,
                entropy,
                share(sameRankNodeOther, 0, keptPairs), share(sameRankNodeOther, 1, keptPairs),
                share(sameRankNodeOther, 2, keptPairs), bytes(sameRankNodeOther, input));
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
