package io.sparkmoe.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;
import io.sparkmoe.model.MoeTransformer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mixture of decentralized experts: its next-token probabilities form a distribution, and with a router that is
 * always right, top-1 is exactly each expert's own loss on its own cluster.
 */
class EnsembleEvaluationTest {

    static final int VOCAB = 13;
    static final int SEQ = 6;

    /** A tiny dense model (no MoE layers), as decentralized experts are. */
    static MoeTransformer dense(long seed) {
        ModelConfig m = new ModelConfig(Optional.of(VOCAB), 8, 2, 2, SEQ, 10000.0, 1e-5, false, 10, 0.5,
                new MoeConfig(4, 6, 1, Optional.of(List.of()), 0, 0, Optional.empty(), false));
        RoutingConfig r = new RoutingConfig("topk", 2, true, new Capacity.Dropless(), "position", false, Optional.empty(),
                new AuxLossConfig(Optional.empty(), Optional.empty(), Optional.empty()),
                new SigmoidRouterConfig(0.001, 1.0), new ReluRouterConfig(1e-8, 1.2, Optional.empty()),
                new CosineRouterConfig(16, 0.07));
        return new MoeTransformer(m, r, VOCAB, DataType.FLOAT, seed);
    }

    @Test
    void mixtureProbabilitiesSumToOneAndMatchTheLogProbabilityOfATarget() {
        Random rnd = new Random(3);
        double[][] logits = new double[3][VOCAB];
        for (double[] row : logits) {
            for (int v = 0; v < VOCAB; v++) {
                row[v] = rnd.nextGaussian() * 3;
            }
        }
        double[] weights = {0.5, 0.3, 0.2};
        for (int k = 1; k <= 3; k++) {
            double[] kept = EnsembleEvaluation.topK(weights, k);
            double[] p = ExpertMixture.probabilities(logits, kept);
            double sum = 0;
            for (double x : p) {
                assertTrue(x >= 0);
                sum += x;
            }
            assertEquals(1.0, sum, 1e-12, "top-" + k);
            for (int target = 0; target < VOCAB; target++) {
                double[] logP = new double[3];
                for (int j = 0; j < 3; j++) {
                    logP[j] = ExpertMixture.logProbability(logits[j], target);
                }
                assertEquals(Math.log(p[target]), ExpertMixture.logProbability(logP, kept), 1e-12);
            }
        }
        double[] top2 = EnsembleEvaluation.topK(weights, 2);
        assertEquals(0.625, top2[0], 1e-15);
        assertEquals(0.375, top2[1], 1e-15);
        assertEquals(0.0, top2[2]);
    }

    @Test
    void topOneWithARouterThatIsAlwaysRightIsEachExpertsOwnLossOnItsCluster() {
        List<MoeTransformer> experts = List.of(dense(1), dense(2), dense(3));
        Random rnd = new Random(7);
        List<List<int[]>> clusters = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int[] shard = new int[SEQ * (4 + c) + 1];
            for (int i = 0; i < shard.length; i++) {
                shard[i] = i % SEQ == 0 ? c : 3 + rnd.nextInt(VOCAB - 3);
            }
            clusters.add(List.of(shard));
        }
        // every window starts with its cluster's id: the oracle reads it from the prefix
        EnsembleEvaluation.SequenceRouter oracle = prefix -> {
            double[] w = {0.1, 0.1, 0.1};
            w[prefix[0]] = 0.8;
            return w;
        };
        int prefix = 2;
        EnsembleEvaluation.Result r = EnsembleEvaluation.run(experts, clusters, SEQ, prefix, oracle, 3, 0);
        assertEquals(1.0, r.accuracy());
        assertEquals(4 + 5 + 6, r.sequences());
        double own = 0;
        long tokens = 0;
        for (int c = 0; c < 3; c++) {
            assertEquals((long) (4 + c) * (SEQ - prefix + 1), r.tokens()[c]);
            own += r.expertLoss()[c][c] * r.tokens()[c];
            tokens += r.tokens()[c];
        }
        assertEquals(own / tokens, r.modeLoss().get("top-1"), 1e-9);
        // the experts are different models: the full mixture is not any one of them
        assertTrue(Math.abs(r.modeLoss().get("all") - r.modeLoss().get("top-1")) > 1e-6, r.modeLoss().toString());
        // a mixture is never worse than its worst member, token by token
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            double w = Math.max(r.expertLoss()[0][c], Math.max(r.expertLoss()[1][c], r.expertLoss()[2][c]));
            worst += w * r.tokens()[c];
        }
        assertTrue(r.modeLoss().get("all") <= worst / tokens + 1e-12);
    }

    @Test
    void theExpertMatrixIsHeldOutLossAfterThePrefix() {
        MoeTransformer e = dense(5);
        int[] shard = new int[SEQ * 3 + 1];
        Random rnd = new Random(11);
        for (int i = 0; i < shard.length; i++) {
            shard[i] = rnd.nextInt(VOCAB);
        }
        // prefix 1 counts every target: the same as the plain held-out evaluation
        EnsembleEvaluation.Result r = EnsembleEvaluation.run(List.of(e), List.of(List.of(shard)), SEQ, 1,
                p -> new double[]{1.0}, 2, 0);
        HeldOutEvaluation.Result plain = HeldOutEvaluation.run(e, List.of(shard), SEQ, 2, 0);
        assertEquals(plain.loss(), r.expertLoss()[0][0], 1e-5);
        assertEquals(plain.loss(), r.modeLoss().get("all"), 1e-5);
    }
}
