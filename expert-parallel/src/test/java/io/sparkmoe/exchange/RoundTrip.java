package io.sparkmoe.exchange;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Dispatch → identity experts → combine, and the backward in mirror, on every rank of a run; and what the result
 * must be. With identity experts the combined row of a token is {@code sum_j w_j x}, the gradient reaching the
 * token is {@code sum_j w_j g}, and the gradient of gate weight {@code w_j} is {@code g . x}.
 */
final class RoundTrip {

    /**
     * Every rank's tokens, routes and output gradients ({@code tokens}: per rank in {@link #random}; each rank's
     * {@link Routes#tokens()} is what counts); experts {@code e} live on rank {@code e / 2}.
     */
    record Scenario(int ranks, int tokens, int k, int width, float[][] x, float[][] g, Routes[] routes) {

        /**
         * Random routes over {@code 2 * ranks} experts (k distinct per token, about 1 in 7 slots dropped).
         * {@code exact}: small integers and weights in eighths, so every sum is exact in float.
         */
        static Scenario random(int ranks, int tokens, int k, int width, boolean exact, long seed) {
            Random random = new Random(seed);
            float[][] x = new float[ranks][];
            float[][] g = new float[ranks][];
            Routes[] routes = new Routes[ranks];
            for (int r = 0; r < ranks; r++) {
                x[r] = values(random, tokens * width, exact);
                g[r] = values(random, tokens * width, exact);
                int[] rank = new int[tokens * k];
                int[] expert = new int[tokens * k];
                float[] weight = new float[tokens * k];
                for (int t = 0; t < tokens; t++) {
                    int[] chosen = random.ints(0, 2 * ranks).distinct().limit(k).toArray();
                    for (int j = 0; j < k; j++) {
                        int slot = t * k + j;
                        expert[slot] = chosen[j];
                        rank[slot] = random.nextInt(7) == 0 ? -1 : chosen[j] / 2;
                        weight[slot] = exact ? (1 + random.nextInt(8)) / 8f : random.nextFloat();
                    }
                }
                routes[r] = new Routes(tokens, k, rank, expert, weight);
            }
            return new Scenario(ranks, tokens, k, width, x, g, routes);
        }

        private static float[] values(Random random, int count, boolean exact) {
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = exact ? random.nextInt(9) - 4 : (float) random.nextGaussian();
            }
            return values;
        }
    }

    /** What one rank got: its combined rows and gradients, and what it received as expert host. */
    record Result(float[] combined, float[] tokenGradient, float[] weightGradient, float[] arrivalRows,
                  int[] arrivalExpert, int[] arrivalOrigin, int[] arrivalOriginSlot, TrafficCounter.Snapshot traffic) {
    }

    private RoundTrip() {
    }

    static Result run(Exchange exchange, Scenario scenario, boolean hierarchical) {
        int r = exchange.rank();
        TrafficCounter.Snapshot before = exchange.traffic().snapshot();
        HierarchicalDispatch dispatch = HierarchicalDispatch.plan(exchange, 0, scenario.width(),
                scenario.routes()[r], hierarchical);
        float[] arrived = dispatch.dispatch(scenario.x()[r]);
        float[] expertOutputs = arrived.clone(); // identity experts
        float[] combined = dispatch.combine(expertOutputs);
        HierarchicalDispatch.CombineGradients gradients = dispatch.combineBackward(scenario.g()[r], expertOutputs);
        float[] tokenGradient = dispatch.dispatchBackward(gradients.expertOutputGradient()); // identity backward
        int[] experts = new int[dispatch.arrivals()];
        int[] origins = new int[dispatch.arrivals()];
        int[] slots = new int[dispatch.arrivals()];
        for (int i = 0; i < experts.length; i++) {
            experts[i] = dispatch.expert(i);
            origins[i] = dispatch.originRank(i);
            slots[i] = dispatch.originSlot(i);
        }
        return new Result(combined, tokenGradient, gradients.weightGradient(), arrived, experts, origins, slots,
                exchange.traffic().snapshot().minus(before));
    }

    /** Checks {@code result} of {@code rank} against the identity-expert formulas, to {@code tolerance}. */
    static void expectIdentity(Scenario scenario, int rank, Result result, float tolerance) {
        int d = scenario.width();
        int k = scenario.k();
        Routes routes = scenario.routes()[rank];
        float[] x = scenario.x()[rank];
        float[] g = scenario.g()[rank];
        float[] combined = new float[routes.tokens() * d];
        float[] tokenGradient = new float[routes.tokens() * d];
        float[] weightGradient = new float[routes.tokens() * k];
        for (int t = 0; t < routes.tokens(); t++) {
            for (int j = 0; j < k; j++) {
                int slot = routes.slot(t, j);
                if (routes.rank()[slot] < 0) {
                    continue;
                }
                float w = routes.weight()[slot];
                float dot = 0;
                for (int c = 0; c < d; c++) {
                    combined[t * d + c] += w * x[t * d + c];
                    tokenGradient[t * d + c] += w * g[t * d + c];
                    dot += g[t * d + c] * x[t * d + c];
                }
                weightGradient[slot] = dot;
            }
        }
        assertArrayEquals(combined, result.combined(), tolerance, "combined rows of rank " + rank);
        assertArrayEquals(tokenGradient, result.tokenGradient(), tolerance, "token gradients of rank " + rank);
        assertArrayEquals(weightGradient, result.weightGradient(), tolerance, "weight gradients of rank " + rank);

        // What arrived at this rank: exactly the slots routed here, each with its token's row and its expert.
        int expectedArrivals = 0;
        for (int origin = 0; origin < scenario.ranks(); origin++) {
            for (int target : scenario.routes()[origin].rank()) {
                expectedArrivals += target == rank ? 1 : 0;
            }
        }
        assertEquals(expectedArrivals, result.arrivalExpert().length, "arrivals at rank " + rank);
        for (int i = 0; i < result.arrivalExpert().length; i++) {
            int origin = result.arrivalOrigin()[i];
            int slot = result.arrivalOriginSlot()[i];
            Routes from = scenario.routes()[origin];
            assertEquals(rank, from.rank()[slot], "arrival " + i + " at rank " + rank + " was routed elsewhere");
            assertEquals(from.expert()[slot], result.arrivalExpert()[i], "expert of arrival " + i);
            int token = slot / k;
            for (int c = 0; c < d; c++) {
                assertEquals(scenario.x()[origin][token * d + c], result.arrivalRows()[i * d + c],
                        "row of arrival " + i + " at rank " + rank);
            }
        }
    }
}
