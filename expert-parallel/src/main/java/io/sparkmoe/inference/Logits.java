package io.sparkmoe.inference;

import io.sparkmoe.model.Embedding;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.routing.scores.Arrays2;

/** The logits of one token sequence, one row per position, as the reference's {@code logits} command gives them. */
public final class Logits {

    private Logits() {
    }

    /** logits [T][V] of {@code tokens} (each in [0, vocab)). */
    public static double[][] of(MoeTransformer model, int vocab, int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to score");
        }
        Embedding.requireInVocabulary(tokens, vocab);
        double[] flat = Arrays2.toDoubles(model.forward(new int[][]{tokens}));
        double[][] out = new double[tokens.length][vocab];
        for (int t = 0; t < tokens.length; t++) {
            System.arraycopy(flat, t * vocab, out[t], 0, vocab);
        }
        return out;
    }
}
