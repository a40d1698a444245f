package io.sparkmoe.data.shards;

import java.util.List;

/**
 * The entropy of the token distribution, {@code H = −Σ_v p(v)·ln p(v)} in nats, with {@code p} the tokens'
 * frequencies in the given shards. It is the cross-entropy of the best model that ignores context (predicting
 * every position with the corpus's unigram frequencies), so a language model's validation loss must fall well
 * below it before the model can be said to use context at all: the yardstick the demo and its test report.
 */
public final class UnigramEntropy {

    private UnigramEntropy() {
    }

    /** Entropy in nats of the tokens in {@code shards}, ids in {@code [0, vocab)}. */
    public static double of(List<int[]> shards, int vocab) {
        long[] counts = new long[vocab];
        long total = 0;
        for (int[] shard : shards) {
            for (int id : shard) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocab + ")");
                }
                counts[id]++;
            }
            total += shard.length;
        }
        if (total == 0) {
            throw new IllegalArgumentException("no tokens: the entropy of an empty corpus is undefined");
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
