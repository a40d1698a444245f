package io.sparkmoe.routing.routers;

import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.ExpertPlacement;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.TestConfigs;
import io.sparkmoe.routing.TestData;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every router passes (one subclass per router): valid weights and ids, capacity respected,
 * deterministic for a seed, ties toward the lower index, no NaN at extreme logits, padding ignored, and a
 * finite-difference check of the backward in double precision (input and every learned tensor, through the
 * gates and all three auxiliary losses).
 */
abstract class RouterConformanceTest {

    static final int N = 48;
    static final int D = 32;
    static final int E = 8;
    static final int VOCAB = 1000;
    static final ExpertPlacement PLACEMENT = ExpertPlacement.contiguous(E, 4, 2);

    /** The router's config with k experts per token. */
    abstract TestConfigs config();

    Router router(RoutingConfig c, DataType type, long seed) {
        return Routers.create(c, RouterShape.of(E, D, VOCAB, type), seed);
    }

    Router router(DataType type) {
        return router(config().build(), type, 7);
    }

    static RoutingInput input(INDArray x) {
        int n = x.rows();
        return RoutingInput.of(x).withTokenIds(TestData.tokenIds(3, n, VOCAB))
                .withPlacement(PLACEMENT, TestData.roundRobinRanks(n, 4));
    }

    static RoutingInput randomInput(long seed, double scale, DataType type) {
        return input(TestData.gaussian(seed, N, D, scale, type));
    }

    /** Expert ids a token with all-equal scores gets; default: 0..k−1 for every token. */
    void assertTies(RoutingDecision d) {
        for (int t = 0; t < d.tokens(); t++) {
            for (int s = 0; s < d.slots(); s++) {
                assertEquals(s, d.expertId(t, s), "token " + t + " slot " + s);
            }
        }
    }

    @Test
    void weightsAreFiniteAndNonNegative() {
        RoutingDecision d = router(DataType.FLOAT).route(randomInput(1, 1, DataType.FLOAT));
        for (double w : d.weights()) {
            assertTrue(Double.isFinite(w) && w >= 0, "weight " + w);
        }
        assertTrue(Double.isFinite(d.losses().total()));
    }

    @Test
    void idsAreDistinctAndInRange() {
        RoutingDecision d = router(DataType.FLOAT).route(randomInput(2, 1, DataType.FLOAT));
        int assigned = 0;
        for (int t = 0; t < d.tokens(); t++) {
            Set<Integer> seen = new HashSet<>();
            for (int s = 0; s < d.slots(); s++) {
                int e = d.expertId(t, s);
                if (e != RoutingDecision.NO_EXPERT) {
                    assigned++;
                    assertTrue(e >= 0 && e < E, "expert " + e);
                    assertTrue(seen.add(e), "expert " + e + " twice for token " + t);
                } else {
                    assertEquals(0.0, d.weight(t, s));
                }
            }
        }
        assertTrue(assigned > 0, "nothing routed");
    }

    @Test
    void capacityIsNeverExceeded() {
        for (String policy : new String[]{"position", "score"}) {
            RoutingConfig c = config().capacity(new Capacity.Factor(0.5)).dropPolicy(policy).build();
            RoutingDecision d = router(c, DataType.FLOAT, 7).route(randomInput(4, 1, DataType.FLOAT));
            int cap = d.capacity().capacity().getAsInt();
            int[] kept = new int[E];
            for (int i = 0; i < d.kept().length; i++) {
                if (d.kept()[i]) {
                    kept[d.expertIds()[i]]++;
                }
            }
            for (int e = 0; e < E; e++) {
                assertTrue(kept[e] <= cap, policy + ": expert " + e + " keeps " + kept[e] + " > C = " + cap);
                assertEquals(kept[e], d.tokensPerExpert()[e]);
            }
        }
    }

    @Test
    void sameSeedGivesTheSameDecision() {
        RoutingInput in = randomInput(5, 1, DataType.FLOAT);
        RoutingDecision a = router(config().build(), DataType.FLOAT, 11).route(in);
        RoutingDecision b = router(config().build(), DataType.FLOAT, 11).route(in);
        assertArrayEquals(a.expertIds(), b.expertIds());
        assertArrayEquals(a.weights(), b.weights());
        assertArrayEquals(a.kept(), b.kept());
    }

    @Test
    void tiesBreakTowardTheLowerIndex() {
        RoutingDecision d = router(DataType.DOUBLE).route(input(Nd4j.zeros(DataType.DOUBLE, N, D)));
        assertTies(d);
    }

    @Test
    void extremeLogitsGiveNoNaN() {
        Router r = router(config().loadBalance(0.01).zLoss(0.001).locality(0.01).build(), DataType.FLOAT, 7);
        RoutingDecision d = r.route(randomInput(6, 1e5, DataType.FLOAT));
        for (double w : d.weights()) {
            assertFalse(Double.isNaN(w));
        }
        assertTrue(Double.isFinite(d.losses().total()), "losses " + d.losses());
        RouterGradients g = r.backward(d, Nd4j.ones(DataType.FLOAT, N, d.slots()));
        assertFalse(g.input().isNaN().any(), "NaN in dL/dx");
        for (INDArray p : g.parameters().values()) {
            assertFalse(p.isNaN().any(), "NaN in a parameter gradient");
        }
    }

    @Test
    void paddingIsNotRouted() {
        boolean[] pad = new boolean[N];
        for (int t = 0; t < N; t += 3) {
            pad[t] = true;
        }
        RoutingDecision d = router(DataType.FLOAT).route(randomInput(8, 1, DataType.FLOAT).withPadding(pad));
        int assigned = 0;
        for (int t = 0; t < N; t++) {
            for (int s = 0; s < d.slots(); s++) {
                if (pad[t]) {
                    assertEquals(RoutingDecision.NO_EXPERT, d.expertId(t, s), "padding token " + t);
                } else {
                    assigned += d.expertId(t, s) >= 0 ? 1 : 0;
                }
            }
        }
        int load = 0;
        for (int l : d.load()) {
            load += l;
        }
        assertEquals(assigned, load);
    }

    /** The scalar checked: Σ c·g over the pairs, plus every auxiliary loss. */
    private static double objective(RoutingDecision d, double[] c) {
        double v = d.losses().total();
        for (int i = 0; i < c.length; i++) {
            v += c[i] * d.weights()[i];
        }
        return v;
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        RoutingConfig c = config().loadBalance(0.3).zLoss(0.05).locality(0.2).build();
        Router r = router(c, DataType.DOUBLE, 13);
        RoutingInput in = input(TestData.gaussian(9, N, D, 1, DataType.DOUBLE));
        RoutingDecision d = r.route(in);
        Random rnd = new Random(17);
        double[] coef = new double[d.weights().length];
        for (int i = 0; i < coef.length; i++) {
            coef[i] = rnd.nextGaussian();
        }
        RouterGradients g = r.backward(d, Nd4j.create(coef, new long[]{N, d.slots()}, 'c'));
        checkAgainstFiniteDifferences("x", in.x(), g.input(), () -> objective(r.route(in), coef), rnd);
        for (Map.Entry<String, INDArray> p : r.parameters().learned().entrySet()) {
            checkAgainstFiniteDifferences(p.getKey(), p.getValue(), g.parameters().get(p.getKey()),
                    () -> objective(r.route(in), coef), rnd);
        }
        assertEquals(r.parameters().learned().keySet(), g.parameters().keySet());
    }

    /** backward(g, s) = backward(g, 0) + s·backward(0, 1): the aux-loss scale multiplies the aux part only. */
    @Test
    void auxLossScaleMultipliesTheAuxiliaryGradientOnly() {
        Router r = router(config().loadBalance(0.3).zLoss(0.05).locality(0.2).build(), DataType.DOUBLE, 13);
        RoutingDecision d = r.route(input(TestData.gaussian(12, N, D, 1, DataType.DOUBLE)));
        INDArray g = TestData.gaussian(13, N, d.slots(), 1, DataType.DOUBLE);
        INDArray zero = Nd4j.zeros(DataType.DOUBLE, N, d.slots());
        INDArray gateOnly = r.backward(d, g, 0).input();
        INDArray auxOnly = r.backward(d, zero, 1).input();
        INDArray scaled = r.backward(d, g, 2.5).input();
        assertTrue(scaled.equalsWithEps(gateOnly.add(auxOnly.mul(2.5)), 1e-12), "dL/dx not linear in the scale");
    }

    static void checkAgainstFiniteDifferences(String name, INDArray param, INDArray grad,
                                              java.util.function.DoubleSupplier f, Random rnd) {
        INDArray flat = param.reshape(param.length());
        INDArray gflat = grad.reshape(grad.length());
        double h = 1e-6;
        for (int trial = 0; trial < 10; trial++) {
            long i = rnd.nextInt((int) param.length());
            double v = flat.getDouble(i);
            flat.putScalar(i, v + h);
            double up = f.getAsDouble();
            flat.putScalar(i, v - h);
            double down = f.getAsDouble();
            flat.putScalar(i, v);
            double numeric = (up - down) / (2 * h);
            double analytic = gflat.getDouble(i);
            assertEquals(numeric, analytic, 1e-6 + 1e-5 * Math.abs(numeric), name + "[" + i + "]");
        }
    }
}
