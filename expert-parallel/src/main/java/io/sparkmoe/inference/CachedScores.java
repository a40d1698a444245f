package io.sparkmoe.inference;

import java.util.Arrays;

import io.sparkmoe.model.Embedding;
import io.sparkmoe.model.KeyValueCache;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Next-token scores through the model's key/value cache: a window that extends the tokens already read costs only the
 * new tokens' forward (the whole prompt in one call, then one token per step). Any other window (the first of a new
 * generation, or one that slid past the context, whose positions all changed) is recomputed in full, exactly as
 * {@link Logits} does; a window that merely grew keeps the cache. The model must {@link
 * MoeTransformer#decodesIncrementally decode incrementally}.
 */
final class CachedScores implements TextGenerator.NextTokenScores {

    private final MoeTransformer model;
    private final int vocab;
    private final int context;
    private KeyValueCache cache;
    private int[] read = new int[0];

    CachedScores(MoeTransformer model, int vocab, int context) {
        if (!model.decodesIncrementally()) {
            throw new IllegalArgumentException("this model's routing depends on the other tokens of the batch "
                    + "(expert-choice or a capacity): it cannot decode with a key/value cache");
        }
        this.model = model;
        this.vocab = vocab;
        this.context = context;
    }

    @Override
    public double[] after(int[] window) {
        if (window.length > context) {
            return fullRecompute(window);
        }
        if (cache == null || !extendsRead(window)) {
            cache = model.newCache(context);
            read = new int[0];
        }
        Embedding.requireInVocabulary(window, vocab);
        INDArray logits = model.forwardCached(Arrays.copyOfRange(window, read.length, window.length), cache);
        read = window.clone();
        return Arrays2.toDoubles(logits.getRow(logits.rows() - 1, true));
    }

    /** Whether the window is the tokens read so far followed by at least one more. */
    private boolean extendsRead(int[] window) {
        return window.length > read.length && Arrays.equals(read, 0, read.length, window, 0, read.length);
    }

    private double[] fullRecompute(int[] window) {
        cache = null;
        read = new int[0];
        return Logits.of(model, vocab, window)[window.length - 1];
    }
}
