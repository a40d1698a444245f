package io.sparkmoe.inference;

import java.util.Arrays;
import java.util.List;

import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.io.ExportCases;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logits, greedy generation and held-out evaluation against the same things computed by hand from {@link Logits}. */
class InferenceTest {

    private static final int V = ExportCases.VOCAB;

    private final MoeTransformer model = ExportCases.all().get(2).build();

    @Test
    void greedyGenerationFollowsTheArgmaxOfTheLastPosition() {
        int[] prompt = {4, 8, 15};
        int[] generated = new TextGenerator(model, V, 6).generate(prompt, 7, new Sampler(Sampler.Settings.greedy()), -1);
        assertEquals(7, generated.length);
        int[] seq = prompt.clone();
        for (int g : generated) {
            int[] window = Arrays.copyOfRange(seq, Math.max(0, seq.length - 6), seq.length);
            double[][] logits = Logits.of(model, V, window);
            assertEquals(Sampler.argmax(logits[window.length - 1]), g);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = g;
        }
        int first = generated[0];
        assertEquals(0, new TextGenerator(model, V, 6).generate(prompt, 7, new Sampler(Sampler.Settings.greedy()), first).length,
                "the stop token ends generation and is not returned");
    }

    @Test
    void heldOutLossIsTheMeanCrossEntropyOverEveryTarget() {
        int[] shard = new int[20];
        for (int i = 0; i < shard.length; i++) {
            shard[i] = (i * 7 + 3) % V;
        }
        int seqLen = 6;
        HeldOutEvaluation.Result r = HeldOutEvaluation.run(model, List.of(shard, new int[]{1, 2}), seqLen, 2, 0);
        assertEquals(3, r.windows(), "windows at 0, 6, 12 (each seq_len + 1 tokens); the short shard has none");
        double sum = 0;
        for (int w = 0; w < 3; w++) {
            int[] window = Arrays.copyOfRange(shard, w * seqLen, w * seqLen + seqLen + 1);
            double[][] logits = Logits.of(model, V, Arrays.copyOf(window, seqLen));
            for (int t = 0; t < seqLen; t++) {
                double max = Arrays.stream(logits[t]).max().orElseThrow();
                double lse = max + Math.log(Arrays.stream(logits[t]).map(x -> Math.exp(x - max)).sum());
                sum += lse - logits[t][window[t + 1]];
            }
        }
        assertEquals(sum / 18, r.loss(), 1e-5);
        assertEquals(Math.exp(r.loss()), r.perplexity(), 1e-12);
        assertEquals(18, r.targets());
        assertEquals(2, HeldOutEvaluation.run(model, List.of(shard), seqLen, 2, 2).windows(), "max windows");
    }

    @Test
    void tokensOutsideTheVocabularyAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Logits.of(model, V, new int[]{1, V}));
        assertTrue(e.getMessage().contains("token id " + V + " is outside the vocabulary [0, " + V + ")"), e.getMessage());
    }
}
