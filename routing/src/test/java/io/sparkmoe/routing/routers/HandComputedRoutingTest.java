package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.TestConfigs;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three tokens, four experts, gate Wr = I (so s = x), worked out by hand:
 * <pre>
 * x0 = [1, 0, 0, 0]  s0 = [1, 0, 0, 0]   p0 = [e, 1, 1, 1]/(e+3)   top-2 {0, 1}  (1, 2, 3 tie: lowest wins)
 * x1 = [0, 2, 0, 0]  s1 = [0, 2, 0, 0]   p1 = [1, e², 1, 1]/(e²+3)  top-2 {1, 0}
 * x2 = [0, 0, 0, 0]  s2 = 0              p2 = [¼, ¼, ¼, ¼]          top-2 {0, 1}
 * </pre>
 * Switch (k = 1) picks 0, 1, 0: f = [2/3, 1/3, 0, 0]; P_e = mean_t p_te; load balance α·4·Σ f_e·P_e.
 * z-loss: β·mean(ln(e+3)², ln(e²+3)², ln(4)²).
 */
class HandComputedRoutingTest {

    private static final double E1 = Math.E;
    private static final double E2 = Math.E * Math.E;

    private static Router router(RoutingConfig c) {
        Router r = Routers.create(c, RouterShape.of(4, 4, 10, DataType.DOUBLE), 1);
        r.parameters().get("gate.weight").assign(Nd4j.eye(4).castTo(DataType.DOUBLE));
        return r;
    }

    private static RoutingInput input() {
        return RoutingInput.of(Nd4j.create(new double[][]{{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 0, 0}}));
    }

    @Test
    void topTwo() {
        RoutingDecision d = router(TestConfigs.router("topk", 2).build()).route(input());
        assertArrayEquals(new int[]{0, 1, 1, 0, 0, 1}, d.expertIds());
        assertArrayEquals(new double[]{E1 / (E1 + 3), 1 / (E1 + 3), E2 / (E2 + 3), 1 / (E2 + 3), 0.25, 0.25},
                d.weights(), 1e-12);
        assertArrayEquals(new int[]{1, 0}, d.expertIdArray().getRow(1).toIntVector());
        assertArrayEquals(new long[]{3, 2}, d.weightArray(DataType.FLOAT).shape());
        assertEquals((float) (E2 / (E2 + 3)), d.weightArray(DataType.FLOAT).getFloat(1, 0));
    }

    @Test
    void topTwoNormalized() {
        RoutingDecision d = router(TestConfigs.router("topk", 2).normalize(true).build()).route(input());
        assertArrayEquals(new double[]{E1 / (E1 + 1), 1 / (E1 + 1), E2 / (E2 + 1), 1 / (E2 + 1), 0.5, 0.5},
                d.weights(), 1e-12);
    }

    @Test
    void switchWithLoadBalanceAndZLoss() {
        double alpha = 0.01;
        double beta = 0.001;
        RoutingDecision d = router(TestConfigs.router("switch", 1).loadBalance(alpha).zLoss(beta).build()).route(input());
        assertArrayEquals(new int[]{0, 1, 0}, d.expertIds());
        double p0 = (E1 / (E1 + 3) + 1 / (E2 + 3) + 0.25) / 3;
        double p1 = (1 / (E1 + 3) + E2 / (E2 + 3) + 0.25) / 3;
        assertEquals(alpha * 4 * (2.0 / 3 * p0 + 1.0 / 3 * p1), d.losses().loadBalance().getAsDouble(), 1e-12);
        double z = (Math.pow(Math.log(E1 + 3), 2) + Math.pow(Math.log(E2 + 3), 2) + Math.pow(Math.log(4), 2)) / 3;
        assertEquals(beta * z, d.losses().zLoss().getAsDouble(), 1e-12);
        assertEquals(2, d.load()[0]);
        assertEquals(1, d.load()[1]);
    }

    /**
     * Sigmoid, k = 2, bias b = [0, 0, 0, 1]: selection σ(s) + b = [σ(1)+0, ½, ½, ½+1] for x0 → {3, 0};
     * weights σ(s)/Σ: [½, σ(1)]/(½+σ(1)).
     */
    @Test
    void sigmoidBiasSelectsButDoesNotWeigh() {
        Router r = router(TestConfigs.router("sigmoid", 2).build());
        r.parameters().get("gate.e_score_correction_bias").putScalar(3, 1.0);
        RoutingDecision d = r.route(input());
        double s1 = 1 / (1 + Math.exp(-1));
        assertEquals(3, d.expertId(0, 0));
        assertEquals(0, d.expertId(0, 1));
        assertEquals(0.5 / (0.5 + s1), d.weight(0, 0), 1e-7);
        assertEquals(s1 / (0.5 + s1), d.weight(0, 1), 1e-7);
    }

    /** ReLU: x0 → only expert 0 (s = 1 > 0) with weight 1; x2 → nothing. */
    @Test
    void reluUsesThePositiveLogits() {
        RoutingDecision d = router(TestConfigs.router("relu", 1).build()).route(input());
        assertEquals(0, d.expertId(0, 0));
        assertEquals(1.0, d.weight(0, 0));
        assertEquals(RoutingDecision.NO_EXPERT, d.expertId(0, 1));
        assertEquals(1, d.expertId(1, 0));
        assertEquals(2.0, d.weight(1, 0));
        assertEquals(RoutingDecision.NO_EXPERT, d.expertId(2, 0));
    }

    /** A zero-initialised gate at step 0: every p_e = 1/E, so every token takes experts 0 and 1 (torch.topk may not). */
    @Test
    void zeroInitialisedGateBreaksTiesTowardTheLowerIndex() {
        Router r = Routers.create(TestConfigs.router("topk", 2).zeroInit(true).build(),
                RouterShape.of(8, 16, 10, DataType.FLOAT), 1);
        RoutingDecision d = r.route(RoutingInput.of(io.sparkmoe.routing.TestData.gaussian(2, 20, 16, 1, DataType.FLOAT)));
        for (int t = 0; t < 20; t++) {
            assertEquals(0, d.expertId(t, 0));
            assertEquals(1, d.expertId(t, 1));
            assertEquals(0.125, d.weight(t, 0), 1e-15);
        }
    }
}
