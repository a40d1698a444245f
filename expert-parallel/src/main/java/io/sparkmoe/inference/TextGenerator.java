package io.sparkmoe.inference;

import java.util.Arrays;

import io.sparkmoe.model.MoeTransformer;

/**
 * Autoregressive generation: the model reads the prompt (at most the last {@code context} tokens), the sampler picks
 * the next token, which is appended, until {@code maxTokens} tokens or the stop token. The whole window is recomputed
 * for every token (no key/value cache): simple and exact, and fast enough for the model sizes one JVM trains.
 */
public final class TextGenerator {

    /** The next-token scores after a window: a row of logits, or of log-probabilities (the sampler takes either). */
    public interface NextTokenScores {
        double[] after(int[] window);
    }

    private final NextTokenScores scores;
    private final int context;

    /** {@code context}: the longest window the model reads (its training sequence length). */
    public TextGenerator(MoeTransformer model, int vocab, int context) {
        this(window -> {
            double[][] logits = Logits.of(model, vocab, window);
            return logits[window.length - 1];
        }, context);
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
