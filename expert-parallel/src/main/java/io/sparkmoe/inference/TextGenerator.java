package io.sparkmoe.inference;

import java.util.Arrays;

import io.sparkmoe.model.MoeTransformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Autoregressive generation: the model reads the prompt (at most the last {@code context} tokens), the sampler picks
 * the next token, which is appended, until {@code maxTokens} tokens or the stop token. From a {@link MoeTransformer},
 * a key/value cache ({@link CachedScores}) makes each new token one token's forward while the sequence fits the
 * context; once the window slides, and for models whose routing depends on the other tokens of the batch
 * (expert-choice, a capacity), every token recomputes the whole window: exact either way.
 */
public final class TextGenerator {

    /** The next-token scores after a window: a row of logits, or of log-probabilities (the sampler takes either). */
    public interface NextTokenScores {
        double[] after(int[] window);
    }

    private final NextTokenScores scores;
    private final int context;

    private static final Logger LOG = LoggerFactory.getLogger(TextGenerator.class);

    /**
     * {@code context}: the longest window the model reads (its training sequence length). With the key/value cache
     * where the model allows it.
     */
    public TextGenerator(MoeTransformer model, int vocab, int context) {
        this(model, vocab, context, true);
    }

    /** As above; {@code useCache} false recomputes the whole window for every token (to compare, or to check). */
    public TextGenerator(MoeTransformer model, int vocab, int context, boolean useCache) {
        this(scores(model, vocab, context, useCache), context);
    }

    private static NextTokenScores scores(MoeTransformer model, int vocab, int context, boolean useCache) {
        if (useCache && model.decodesIncrementally()) {
            return new CachedScores(model, vocab, context);
        }
        if (useCache) {
            LOG.info("generating without the key/value cache: the routing (expert-choice or a capacity) depends on "
                    + "the other tokens, so every token recomputes the window");
        }
        return window -> Logits.of(model, vocab, window)[window.length - 1];
    }

    /** Generation from any next-token scores (an ensemble's mixture, say), reading at most {@code context} tokens. */
    public TextGenerator(NextTokenScores scores, int context) {
        this.scores = scores;
        this.context = context;
    }

    /** The generated ids (without the prompt); {@code stopId} (−1: none) ends generation and is not included. */
    public int[] generate(int[] prompt, int maxTokens, Sampler sampler, int stopId) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("generation needs at least one prompt token");
        }
        int[] all = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int length = prompt.length;
        for (int i = 0; i < maxTokens; i++) {
            int[] window = Arrays.copyOfRange(all, Math.max(0, length - context), length);
            int next = sampler.next(scores.after(window));
            if (next == stopId) {
                break;
            }
            all[length++] = next;
        }
        return Arrays.copyOfRange(all, prompt.length, length);
    }
}
