package io.sparkmoe.routing.routers;

import java.util.Map;
import java.util.Random;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the balancing mechanisms are for: each one, applied alone, moves routing the way it should. */
class BalancingBehaviourTest {

    private static final int N = 512;
    private static final int D = 16;
    private static final int E = 8;

    /** Tokens sharing a large common component: a random gate sends most of them to the same experts. */
    private static INDArray skewed(long seed) {
        INDArray x = TestData.gaussian(seed, N, D, 1, DataType.DOUBLE);
        INDArray common = TestData.gaussian(seed + 1, 1, D, 1.5, DataType.DOUBLE);
        return x.addRowVector(common);
    }

    private static Router router(RoutingConfig c) {
        Router r = Routers.create(c, RouterShape.of(E, D, 100, DataType.DOUBLE), 21);
        r.parameters().get("gate.weight").muli(10);   // a decisive gate: std 0.2
        return r;
    }

    /** One gradient step on the router's tensors with the auxiliary losses only (dL/dg = 0). */
    private static void auxLossStep(Router r, RoutingDecision d, double lr) {
        RouterGradients g = r.backward(d, Nd4j.zeros(DataType.DOUBLE, d.tokens(), d.slots()));
        for (Map.Entry<String, INDArray> p : r.parameters().learned().entrySet()) {
            p.getValue().subi(g.parameters().get(p.getKey()).mul(lr));
        }
    }

    /** Routes {@code in} after {@code steps} updates, each applied to the previous decision. */
    private static RoutingDecision afterSteps(Router r, RoutingInput in, int steps,
                                              java.util.function.Consumer<RoutingDecision> update) {
        RoutingDecision d = r.route(in);
        for (int step = 0; step < steps; step++) {
            update.accept(d);
            d = r.route(in);
        }
        return d;
    }

    @Test
    void minimisingTheLoadBalanceLossLowersImbalance() {
        Router r = router(TestConfigs.router("topk", 2).loadBalance(1.0).build());
        RoutingInput in = RoutingInput.of(skewed(1));
        RoutingDecision first = r.route(in);
        RoutingDecision d = afterSteps(r, in, 30, dec -> auxLossStep(r, dec, 0.1));
        double before = first.statistics().coefficientOfVariation();
        double after = d.statistics().coefficientOfVariation();
        assertTrue(before > 0.5, "input not skewed: CV " + before);
        assertTrue(after < before / 2, "CV " + before + " -> " + after);
        assertTrue(d.losses().loadBalance().getAsDouble() < first.losses().loadBalance().getAsDouble());
    }

    @Test
    void theLocalityLossRaisesTheLocalShare() {
        ExpertPlacement pl = ExpertPlacement.contiguous(E, 4, 2);    // experts 0-3 on node 0, 4-7 on node 1
        int[] ranks = TestData.roundRobinRanks(N, 4);
        INDArray x = TestData.gaussian(2, N, D, 1, DataType.DOUBLE);
        INDArray nodeDirection = TestData.gaussian(3, 1, D, 1, DataType.DOUBLE);
        for (int t = 0; t < N; t++) {
            x.getRow(t).addi(nodeDirection.getRow(0).mul(pl.nodeOfRank(ranks[t]) == 0 ? 1 : -1));
        }
        Router r = router(TestConfigs.router("topk", 2).locality(1.0).build());
        RoutingInput in = RoutingInput.of(x).withPlacement(pl, ranks);
        RoutingDecision first = r.route(in);
        RoutingDecision d = afterSteps(r, in, 30, dec -> auxLossStep(r, dec, 0.5));
        double before = first.statistics().sameRank().getAsDouble() + first.statistics().sameNode().getAsDouble();
        double after = d.statistics().sameRank().getAsDouble() + d.statistics().sameNode().getAsDouble();
        assertTrue(after > before + 0.2, "local share " + before + " -> " + after);
        assertTrue(d.losses().locality().getAsDouble() < first.losses().locality().getAsDouble());
    }

    @Test
    void theSigmoidBiasUpdateBalancesLoadWithoutAuxLoss() {
        Router r = router(TestConfigs.router("sigmoid", 2).biasRate(0.01).build());
        RoutingInput in = RoutingInput.of(skewed(4));
        RoutingDecision first = r.route(in);
        RoutingDecision d = afterSteps(r, in, 200, r::afterStep);
        assertTrue(first.losses().total() == 0, "no aux loss configured");
        double before = first.statistics().maxOverMean();
        double after = d.statistics().maxOverMean();
        assertTrue(before > 2, "input not skewed: max/mean " + before);
        assertTrue(after < 1.5, "max/mean " + before + " -> " + after);
    }

    @Test
    void expertChoiceIsExactlyBalanced() {
        Router r = router(TestConfigs.router("expert-choice", 2).capacity(new Capacity.Factor(1.0)).build());
        RoutingDecision d = r.route(RoutingInput.of(skewed(5)));
        for (int e = 0; e < E; e++) {
            assertEquals(N * 2 / E, d.tokensPerExpert()[e], "expert " + e);
        }
        assertEquals(1.0, d.statistics().maxOverMean(), 1e-12);
        assertEquals(0, d.statistics().droppedPairs());
    }

    @Test
    void baseIsBalancedInTrainingAndTopOneAtEvaluation() {
        Router r = router(TestConfigs.router("base", 1).build());
        RoutingInput in = RoutingInput.of(skewed(6));
        RoutingDecision train = r.route(in);
        for (int e = 0; e < E; e++) {
            assertEquals(N / E, train.load()[e], "expert " + e);
        }
        RoutingDecision eval = r.route(in.forEvaluation());
        assertTrue(eval.statistics().maxOverMean() > 1.5, "eval is plain top-1 on skewed input");
    }

    /**
     * Over a Zipf(1) sample of a 32k vocabulary the most frequent token alone is 1/H(32000) ≈ 9% of the
     * tokens, against a mean of 12.5% per expert for E = 8; so even the expert that gets it stays well
     * under twice the mean. Over the vocabulary itself, the permutation gives each expert exactly V/E ids.
     */
    @Test
    void hashIsNearUniformOnZipfTokens() {
        int vocab = 32000;
        int n = 20000;
        double[] cdf = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += 1.0 / (i + 1);
            cdf[i] = sum;
        }
        Random rnd = new Random(8);
        int[] ids = new int[n];
        for (int t = 0; t < n; t++) {
            int i = java.util.Arrays.binarySearch(cdf, rnd.nextDouble() * sum);
            ids[t] = Math.min(vocab - 1, i < 0 ? -i - 1 : i);
        }
        Router r = Routers.create(TestConfigs.router("hash", 1).build(), RouterShape.of(E, 4, vocab, DataType.FLOAT), 9);
        RoutingDecision d = r.route(RoutingInput.of(Nd4j.zeros(DataType.FLOAT, n, 4)).withTokenIds(ids));
        assertTrue(d.statistics().maxOverMean() < 2.0, "max/mean " + d.statistics().maxOverMean());
        int[] all = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            all[i] = i;
        }
        RoutingDecision v = r.route(RoutingInput.of(Nd4j.zeros(DataType.FLOAT, vocab, 4)).withTokenIds(all));
        for (int e = 0; e < E; e++) {
            assertEquals(vocab / E, v.load()[e]);
        }
    }

    /** ReMoE: λ grows by α while the gates are denser than the target, and shrinks when sparser. */
    @Test
    void reluL1WeightAdaptsTowardTheTargetSparsity() {
        RoutingInput in = RoutingInput.of(TestData.gaussian(10, N, D, 1, DataType.DOUBLE));
        ReluRouter sparseTarget = (ReluRouter) router(TestConfigs.router("relu", 1).l1Init(1e-3).build());
        sparseTarget.afterStep(sparseTarget.route(in));   // about half the gates > 0, target 1 − 1/8
        assertEquals(1.2e-3, sparseTarget.lambda(), 1e-15);
        ReluRouter denseTarget = (ReluRouter) router(TestConfigs.router("relu", 7).l1Init(1e-3).build());
        denseTarget.afterStep(denseTarget.route(in));     // target 1 − 7/8
        assertEquals(1e-3 / 1.2, denseTarget.lambda(), 1e-15);
    }

    /**
     * GrAP with tokens equal to their group indicators: each token's chosen gate vector is its own direction, so
     * δ = 0 and LocMoE's bound gives C = N/E exactly.
     */
    @Test
    void locMoeCapacityFromAlignedTokens() {
        double[][] x = new double[N][D];
        for (int t = 0; t < N; t++) {
            int g = t % E;
            for (int i = g * (D / E); i < (g + 1) * (D / E); i++) {
                x[t][i] = 1;
            }
        }
        Router r = Routers.create(TestConfigs.router("grap", 1).capacity(new Capacity.LocMoeMin()).build(),
                RouterShape.of(E, D, 100, DataType.DOUBLE), 1);
        RoutingDecision d = r.route(RoutingInput.of(Nd4j.create(x)));
        assertEquals(0.0, d.capacity().delta().getAsDouble(), 1e-7);
        assertEquals(N / E, d.capacity().capacity().getAsInt());
    }
}
