package io.sparkmoe.exchange;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hierarchical against flat dispatch: the same results, fewer bytes across nodes, counted exactly. */
@Timeout(120)
class HierarchicalDispatchTest {

    private static final Topology TWO_BY_TWO = Topology.of("a", "a", "b", "b");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static List<RoundTrip.Result> run(Topology topology, RoundTrip.Scenario scenario, boolean hierarchical) {
        List<InProcessExchange> ranks = InProcessExchange.group(topology, TIMEOUT).ranks();
        try {
            return Ranks.all(ranks, exchange -> RoundTrip.run(exchange, scenario, hierarchical));
        } finally {
            ranks.forEach(Exchange::close);
        }
    }

    private static long total(List<RoundTrip.Result> results, Tag.Phase phase, TrafficClass trafficClass) {
        return results.stream().mapToLong(result -> result.traffic().bytes(phase, trafficClass)).sum();
    }

    @Test
    void trafficOfOneTokenToTwoExpertsOnOneRemoteNodeMatchesTheHandCount() {
        // Rank 0 (node a) has one token of width 4, sent to expert 4 on rank 2 and expert 6 on rank 3 (node b).
        int d = 4;
        RoundTrip.Scenario scenario = oneToken(new int[] {2, 3}, new int[] {4, 6}, d);
        List<RoundTrip.Result> hierarchical = run(TWO_BY_TWO, scenario, true);
        List<RoundTrip.Result> flat = run(TWO_BY_TWO, scenario, false);
        for (int rank = 0; rank < 4; rank++) {
            RoundTrip.expectIdentity(scenario, rank, hierarchical.get(rank), 0f);
            RoundTrip.expectIdentity(scenario, rank, flat.get(rank), 0f);
        }
        int row = 4 * d;
        // Hierarchical. Plan: 0 -> 2 [token, 2 assignments x (rank, expert, slot, weight)] = 10 ints;
        // 2 -> 2 and 2 -> 3 [origin, token, 1 x (expert, slot, weight)] = 6 ints each.
        assertEquals(40, total(hierarchical, Tag.Phase.DISPATCH_PLAN, TrafficClass.REMOTE));
        assertEquals(24, total(hierarchical, Tag.Phase.DISPATCH_PLAN, TrafficClass.SAME_NODE));
        assertEquals(24, total(hierarchical, Tag.Phase.DISPATCH_PLAN, TrafficClass.SAME_RANK));
        // Rows: 0 -> 2 once; 2 -> 2 and 2 -> 3. Combine mirrors: 2 -> 2 and 3 -> 2, then one sum 2 -> 0.
        for (Tag.Phase phase : new Tag.Phase[] {Tag.Phase.DISPATCH, Tag.Phase.COMBINE, Tag.Phase.COMBINE_BACKWARD,
                Tag.Phase.DISPATCH_BACKWARD}) {
            assertEquals(row, total(hierarchical, phase, TrafficClass.REMOTE), phase.name());
            assertEquals(row, total(hierarchical, phase, TrafficClass.SAME_NODE), phase.name());
            assertEquals(row, total(hierarchical, phase, TrafficClass.SAME_RANK), phase.name());
        }
        // Flat. Plan: 0 -> 2 and 0 -> 3 [token, 1 x (rank, expert, slot, weight)] = 6 ints each; each to itself 6.
        assertEquals(48, total(flat, Tag.Phase.DISPATCH_PLAN, TrafficClass.REMOTE));
        assertEquals(0, total(flat, Tag.Phase.DISPATCH_PLAN, TrafficClass.SAME_NODE));
        assertEquals(48, total(flat, Tag.Phase.DISPATCH_PLAN, TrafficClass.SAME_RANK));
        for (Tag.Phase phase : new Tag.Phase[] {Tag.Phase.DISPATCH, Tag.Phase.COMBINE}) {
            assertEquals(2 * row, total(flat, phase, TrafficClass.REMOTE), phase.name());
            assertEquals(0, total(flat, phase, TrafficClass.SAME_NODE), phase.name());
            assertEquals(2 * row, total(flat, phase, TrafficClass.SAME_RANK), phase.name());
        }
        // Weight gradients go straight back, one float and one slot index per assignment, in either mode.
        assertEquals(16, total(hierarchical, Tag.Phase.SCALARS, TrafficClass.REMOTE));
        assertEquals(16, total(flat, Tag.Phase.SCALARS, TrafficClass.REMOTE));
    }

    /** Rank 0 has one token with weights 1/2, 1/4 to the given ranks and experts; the other ranks have none. */
    private static RoundTrip.Scenario oneToken(int[] targetRanks, int[] experts, int d) {
        int k = targetRanks.length;
        float[][] x = new float[4][];
        float[][] g = new float[4][];
        Routes[] routes = new Routes[4];
        for (int r = 0; r < 4; r++) {
            int tokens = r == 0 ? 1 : 0;
            x[r] = new float[tokens * d];
            g[r] = new float[tokens * d];
            for (int c = 0; c < x[r].length; c++) {
                x[r][c] = c + 1;
                g[r][c] = 2 - c;
            }
            routes[r] = r == 0 ? new Routes(1, k, targetRanks, experts, new float[] {0.5f, 0.25f})
                    : new Routes(0, k, new int[0], new int[0], new float[0]);
        }
        return new RoundTrip.Scenario(4, 1, k, d, x, g, routes);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void hierarchicalAndFlatGiveTheSameResultsAndHierarchicalSendsFewerRemoteBytes(boolean exact) {
        int d = 8;
        RoundTrip.Scenario scenario = RoundTrip.Scenario.random(4, 40, 2, d, exact, exact ? 3 : 4);
        List<RoundTrip.Result> hierarchical = run(TWO_BY_TWO, scenario, true);
        List<RoundTrip.Result> flat = run(TWO_BY_TWO, scenario, false);
        float tolerance = exact ? 0f : 1e-5f;
        for (int rank = 0; rank < 4; rank++) {
            RoundTrip.expectIdentity(scenario, rank, hierarchical.get(rank), tolerance);
            RoundTrip.expectIdentity(scenario, rank, flat.get(rank), tolerance);
            if (exact) { // every sum is exact, so any grouping gives the same bits
                assertArrayEquals(flat.get(rank).combined(), hierarchical.get(rank).combined());
                assertArrayEquals(flat.get(rank).tokenGradient(), hierarchical.get(rank).tokenGradient());
                assertArrayEquals(flat.get(rank).weightGradient(), hierarchical.get(rank).weightGradient());
            }
        }
        // Remote rows: one per (token, remote node) hierarchically, one per (token, remote rank) flat.
        long perNode = countTargets(scenario, TWO_BY_TWO::nodeIndex);
        long perRank = countTargets(scenario, rank -> rank);
        assertTrue(perNode < perRank, "the scenario must send some token to two ranks of one remote node");
        for (Tag.Phase phase : new Tag.Phase[] {Tag.Phase.DISPATCH, Tag.Phase.COMBINE}) {
            assertEquals(perNode * d * 4, total(hierarchical, phase, TrafficClass.REMOTE), phase.name());
            assertEquals(perRank * d * 4, total(flat, phase, TrafficClass.REMOTE), phase.name());
        }
    }

    /** Distinct (token, remote place) pairs over all ranks' routes, a place being what {@code place} maps to. */
    private static long countTargets(RoundTrip.Scenario scenario, Function<Integer, Integer> place) {
        long count = 0;
        for (int origin = 0; origin < scenario.ranks(); origin++) {
            Routes routes = scenario.routes()[origin];
            for (int t = 0; t < routes.tokens(); t++) {
                Set<Integer> places = new HashSet<>();
                for (int j = 0; j < routes.k(); j++) {
                    int target = routes.rank()[routes.slot(t, j)];
                    if (target >= 0 && !TWO_BY_TWO.sameNode(origin, target)) {
                        places.add(place.apply(target));
                    }
                }
                count += places.size();
            }
        }
        return count;
    }

    @Test
    void flatDispatchRoundTripsWithIdentityExperts() {
        RoundTrip.Scenario scenario = RoundTrip.Scenario.random(4, 9, 3, 5, false, 8);
        List<RoundTrip.Result> results = run(TWO_BY_TWO, scenario, false);
        for (int rank = 0; rank < 4; rank++) {
            RoundTrip.expectIdentity(scenario, rank, results.get(rank), 1e-5f);
        }
    }

    @Test
    void aRouteToARankOutsideTheRunIsRefusedNamingIt() {
        List<InProcessExchange> ranks = InProcessExchange.group(Topology.singleNode(1), TIMEOUT).ranks();
        Routes routes = new Routes(1, 1, new int[] {3}, new int[] {0}, new float[] {1f});
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> HierarchicalDispatch.plan(ranks.get(0), 0, 2, routes, true));
        assertTrue(refused.getMessage().contains("to rank 3, but the run has 1 ranks"), refused.getMessage());
    }
}
