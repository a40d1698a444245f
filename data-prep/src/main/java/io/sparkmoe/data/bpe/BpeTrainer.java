package io.sparkmoe.data.bpe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Learns byte-level BPE merges from a table of pre-token counts (the table is what the distributed word
 * count produces; this runs on the driver). Start: every word is its UTF-8 bytes, token {@code b} is byte
 * {@code b}. Repeat: merge the most frequent adjacent pair everywhere (left to right, non-overlapping) into
 * a new token {@code 256 + merge index}; ties go to the smallest (left id, right id), so the result depends
 * only on the table. Stops at the vocabulary size (after room for the special tokens) or when the best
 * pair is seen fewer than {@code minFrequency} times.
 */
public final class BpeTrainer {

    private final int vocabSize;
    private final int minFrequency;
    private final List<String> specialTokens;

    public BpeTrainer(int vocabSize, int minFrequency, List<String> specialTokens) {
        if (vocabSize <= 256 + specialTokens.size()) {
            throw new IllegalArgumentException("vocab-size " + vocabSize + " leaves no room for merges");
        }
        this.vocabSize = vocabSize;
        this.minFrequency = minFrequency;
        this.specialTokens = List.copyOf(specialTokens);
    }

    /** Trains on {@code wordCounts} (pre-token → occurrences); the map's iteration order does not matter. */
    public Tokenizer train(Map<String, Long> wordCounts) {
        TreeMap<String, Long> sorted = new TreeMap<>(wordCounts);
        int n = sorted.size();
        int[][] words = new int[n][];
        int[] lengths = new int[n];
        long[] weights = new long[n];
        PairCounts pairs = new PairCounts();
        int w = 0;
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            words[w] = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                words[w][i] = bytes[i] & 0xFF;
            }
            lengths[w] = bytes.length;
            weights[w] = e.getValue();
            pairs.add(words[w], lengths[w], weights[w], w, -1);
            w++;
        }
        pairs.flush();
        int maxMerges = vocabSize - 256 - specialTokens.size();
        List<int[]> merges = new ArrayList<>();
        int[] seen = new int[n];
        while (merges.size() < maxMerges) {
            long[] best = pairs.best();
            if (best == null || best[0] < minFrequency) {
                break;
            }
            long pair = best[1];
            int a = PairCounts.left(pair);
            int b = PairCounts.right(pair);
            int id = 256 + merges.size();
            merges.add(new int[]{a, b});
            int stamp = merges.size();
            List<Integer> affected = List.copyOf(pairs.wordsWith(pair));
            for (int word : affected) {
                if (seen[word] == stamp) {
                    continue;
                }
                seen[word] = stamp;
                lengths[word] = mergeWord(words[word], lengths[word], a, b, id, weights[word], word, pairs);
            }
            pairs.remove(pair);
            pairs.flush();
        }
        return Tokenizer.fromMerges(merges, specialTokens);
    }

    /**
     * Merges {@code (a, b)} into {@code c} in one word and updates only the pair counts that change: at each
     * merged position the pair itself goes, the left neighbour pair {@code (x, a)} becomes {@code (x, c)} and
     * the right one {@code (b, y)} becomes {@code (c, y)}; two adjacent merges share one neighbour pair, which
     * becomes {@code (c, c)}. Returns the new length.
     */
    static int mergeWord(int[] s, int length, int a, int b, int c, long weight, int word, PairCounts pairs) {
        int out = 0;
        int i = 0;
        boolean previousMerged = false;
        while (i < length) {
            if (i + 1 < length && s[i] == a && s[i + 1] == b) {
                pairs.change(a, b, -weight, word);
                if (out > 0) {
                    if (previousMerged) {
                        pairs.change(b, a, -weight, word);
                        pairs.change(c, c, weight, word);
                    } else {
                        pairs.change(s[out - 1], a, -weight, word);
                        pairs.change(s[out - 1], c, weight, word);
                    }
                }
                boolean nextMerges = i + 3 < length && s[i + 2] == a && s[i + 3] == b;
                if (i + 2 < length && !nextMerges) {
                    pairs.change(b, s[i + 2], -weight, word);
                    pairs.change(c, s[i + 2], weight, word);
                }
                s[out++] = c;
                i += 2;
                previousMerged = true;
            } else {
                s[out++] = s[i++];
                previousMerged = false;
            }
        }
        return out;
    }
}
