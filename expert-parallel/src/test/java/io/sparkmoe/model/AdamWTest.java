package io.sparkmoe.model;

import java.util.Optional;

import io.sparkmoe.conf.OptimizerConfig;
import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AdamW, the schedule and clipping against steps worked out by hand. */
class AdamWTest {

    private static OptimizerConfig config(Optional<Double> clip) {
        return new OptimizerConfig(1e-3, 1e-4, 10, 0.1, clip, 0.9, 0.95, 1e-8);
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysByCosine() {
        LearningRateSchedule s = new LearningRateSchedule(config(Optional.empty()), 110);
        assertEquals(1e-4, s.at(0), 1e-15);          // 1e-3 · 1/10
        assertEquals(5e-4, s.at(4), 1e-15);          // 1e-3 · 5/10
        assertEquals(1e-3, s.at(9), 1e-14);
        assertEquals(1e-3, s.at(10), 1e-15);         // cosine at t = 0
        assertEquals(5.5e-4, s.at(60), 1e-15);       // 1e-4 + 0.5 · 9e-4 · (1 + cos π/2)
        assertEquals(1e-4, s.at(110), 1e-15);        // cos π
        assertEquals(1e-4, s.at(500), 1e-14);
    }

    /**
     * Step 1 (lr 1e-4): m̂ = g, v̂ = g², so the Adam step is lr·g/(|g| + ε). Matrix w = [[1, −2]], g = [[0.5, −0.25]]:
     * w ← w·(1 − 1e-4·0.1) − 1e-4·sign(g)·|g|/(|g| + 1e-8). Vector b = [3] (no decay), g = [2]. Step 2 (lr 2e-4) with
     * g again: m = 0.9·0.1g + 0.1g = 0.19g, v = 0.95·0.05g² + 0.05g² = 0.0975g², m̂ = 0.19g/0.19 = g,
     * v̂ = 0.0975g²/0.0975 = g²: the same Adam step, now with lr 2e-4.
     */
    @Test
    void twoStepsByHand() {
        Parameters p = new Parameters(DataType.DOUBLE);
        p.add("w", Arrays2.matrix(new double[]{1, -2}, 1, 2, DataType.DOUBLE));
        p.add("model.norm.weight", Arrays2.matrix(new double[]{3}, 1, 1, DataType.DOUBLE).reshape(1));
        AdamW adam = new AdamW(p, config(Optional.empty()), 110);
        double[] w = {1, -2};
        double[] gw = {0.5, -0.25};
        double b = 3;
        for (int step = 0; step < 2; step++) {
            double lr = 1e-4 * (step + 1);
            p.zeroGradients();
            p.accumulate("w", gw);
            p.accumulate("model.norm.weight", new double[]{2});
            adam.step();
            for (int i = 0; i < 2; i++) {
                w[i] = w[i] * (1 - lr * 0.1) - lr * gw[i] / (Math.abs(gw[i]) + 1e-8);
            }
            b = b - lr * 2 / (2 + 1e-8);
            assertArrayEquals(w, Arrays2.toDoubles(p.value("w")), 1e-14);
            assertEquals(b, p.value("model.norm.weight").getDouble(0), 1e-14);
        }
        assertEquals(2, adam.steps());
    }

    /** Gradients [3, 4] (norm 5) clipped to 1: scaled by 1/(5 + 1e-6); the first step is still ±lr, so check m via step 2. */
    @Test
    void clipsToTheGlobalNormAndReportsTheNormBeforeClipping() {
        Parameters p = new Parameters(DataType.DOUBLE);
        p.add("a", Arrays2.matrix(new double[]{0}, 1, 1, DataType.DOUBLE).reshape(1));
        p.add("b", Arrays2.matrix(new double[]{0}, 1, 1, DataType.DOUBLE).reshape(1));
        AdamW adam = new AdamW(p, config(Optional.of(1.0)), 110);
        p.accumulate("a", new double[]{3});
        p.accumulate("b", new double[]{4});
        assertEquals(5.0, adam.step(), 1e-12);
        // With ε = 1e-8 the first step is lr·ĝ/(|ĝ| + ε), ĝ = g/(5 + 1e-6): ≈ lr, minus the ε share.
        double c = 1 / (5 + 1e-6);
        assertEquals(-1e-4 * 3 * c / (3 * c + 1e-8), p.value("a").getDouble(0), 1e-18);
        assertEquals(-1e-4 * 4 * c / (4 * c + 1e-8), p.value("b").getDouble(0), 1e-18);
    }

    @Test
    void decaysMatricesButNotTheEmbeddingNormsOrScalars() {
        Parameters p = new MoeTransformer(TinyModels.model(1, 0, 0, false, false), TinyModels.dropless("cosine", 2, true),
                TinyModels.VOCAB, DataType.DOUBLE, 1).parameters();
        assertTrue(AdamW.decays("lm_head.weight", p.value("lm_head.weight")));
        assertTrue(AdamW.decays("x", p.value("model.layers.0.block_sparse_moe.gate.expert_embeddings")));
        assertTrue(AdamW.decays("x", p.value("model.layers.0.self_attn.q_proj.weight")));
        assertFalse(AdamW.decays(MoeTransformer.EMBED, p.value(MoeTransformer.EMBED)));
        assertFalse(AdamW.decays("x", p.value("model.norm.weight")));
        assertFalse(AdamW.decays("x", p.value("model.layers.0.block_sparse_moe.gate.log_temperature")));
    }
}
