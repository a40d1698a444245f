package io.sparkmoe.inference;

import java.util.List;

import io.sparkmoe.model.MoeTransformer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generation from a mixture of experts: one expert alone generates exactly its own text; mixtures are distributions. */
class EnsembleGenerationTest {

    static final int VOCAB = EnsembleEvaluationTest.VOCAB;
    static final int SEQ = EnsembleEvaluationTest.SEQ;

    @Test
    void aOneExpertEnsembleGeneratesWhatTheExpertAloneGenerates() {
        MoeTransformer expert = EnsembleEvaluationTest.dense(4);
        int[] prompt = {1, 5, 7};
        TextGenerator alone = new TextGenerator(expert, VOCAB, SEQ);
        TextGenerator ensemble = new TextGenerator(new EnsembleScores(List.of(expert), VOCAB, new double[]{1}), SEQ);
        // longer than the context: the window slides in both
        int[] greedy = alone.generate(prompt, 10, new Sampler(Sampler.Settings.greedy()), -1);
        assertEquals(10, greedy.length);
        assertArrayEquals(greedy, ensemble.generate(prompt, 10, new Sampler(Sampler.Settings.greedy()), -1));
        Sampler.Settings sampled = new Sampler.Settings(1.3, 5, 0.9, 17);
        assertArrayEquals(alone.generate(prompt, 10, new Sampler(sampled), -1),
                ensemble.generate(prompt, 10, new Sampler(sampled), -1));
    }

    @Test
    void aWeightOneExpertInsideALargerEnsembleIsThatExpert() {
        List<MoeTransformer> experts = List.of(EnsembleEvaluationTest.dense(1), EnsembleEvaluationTest.dense(2));
        int[] prompt = {2, 3};
        int[] second = new TextGenerator(experts.get(1), VOCAB, SEQ)
                .generate(prompt, 8, new Sampler(Sampler.Settings.greedy()), -1);
        assertArrayEquals(second, new TextGenerator(new EnsembleScores(experts, VOCAB, new double[]{0, 1}), SEQ)
                .generate(prompt, 8, new Sampler(Sampler.Settings.greedy()), -1));
    }

    @Test
    void mixtureProbabilitiesSumToOneAndLieBetweenTheExperts() {
        List<MoeTransformer> experts = List.of(EnsembleEvaluationTest.dense(1), EnsembleEvaluationTest.dense(2),
                EnsembleEvaluationTest.dense(3));
        int[] window = {4, 1, 9, 2};
        double[] w = {0.5, 0.3, 0.2};
        double[] p = new EnsembleScores(experts, VOCAB, w).probabilities(window);
        double sum = 0;
        for (int v = 0; v < VOCAB; v++) {
            double lo = 1;
            double hi = 0;
            for (MoeTransformer e : experts) {
                double pv = new EnsembleScores(List.of(e), VOCAB, new double[]{1}).probabilities(window)[v];
                lo = Math.min(lo, pv);
                hi = Math.max(hi, pv);
            }
            assertTrue(p[v] >= lo - 1e-12 && p[v] <= hi + 1e-12, "token " + v);
            sum += p[v];
        }
        assertEquals(1.0, sum, 1e-9);
    }
}
