package io.sparkmoe.data.bpe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trained byte-level BPE tokenizer: ids 0–255 are the bytes, then one id per merge in the order learned,
 * then the special tokens (end-of-text first, padding second). Immutable and shareable between threads;
 * encoding goes through an {@link Encoder}, which holds a per-thread cache.
 */
public final class Tokenizer {

    private final List<int[]> merges;
    private final List<String> specialTokens;
    private final byte[][] tokenBytes;
    private final LongIntMap ranks;

    private Tokenizer(List<int[]> merges, List<String> specialTokens) {
        this.merges = merges;
        this.specialTokens = List.copyOf(specialTokens);
        int n = 256 + merges.size();
        tokenBytes = new byte[n][];
        for (int b = 0; b < 256; b++) {
            tokenBytes[b] = new byte[]{(byte) b};
        }
        ranks = new LongIntMap(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            int[] m = merges.get(i);
            if (m[0] < 0 || m[1] < 0 || m[0] >= 256 + i || m[1] >= 256 + i) {
                throw new IllegalArgumentException("merge " + i + " refers to a token not defined before it");
            }
            byte[] l = tokenBytes[m[0]];
            byte[] r = tokenBytes[m[1]];
            byte[] t = Arrays.copyOf(l, l.length + r.length);
            System.arraycopy(r, 0, t, l.length, r.length);
            tokenBytes[256 + i] = t;
            ranks.put(PairCounts.pack(m[0], m[1]), i);
        }
    }

    /** A tokenizer from its merges (pairs of earlier ids, in rank order) and special tokens. */
    public static Tokenizer fromMerges(List<int[]> merges, List<String> specialTokens) {
        List<int[]> copy = new ArrayList<>(merges.size());
        merges.forEach(m -> copy.add(new int[]{m[0], m[1]}));
        return new Tokenizer(List.copyOf(copy), specialTokens);
    }

    /** Every id: bytes, merges, special tokens. */
    public int vocabSize() {
        return 256 + merges.size() + specialTokens.size();
    }

    public int mergeCount() {
        return merges.size();
    }

    /** Merge {@code i} as {left id, right id} (a copy). */
    public int[] merge(int i) {
        return merges.get(i).clone();
    }

    public List<String> specialTokens() {
        return specialTokens;
    }

    /** The id of special token {@code i} (0 = end-of-text). */
    public int specialId(int i) {
        return 256 + merges.size() + i;
    }

    public int endOfTextId() {
        return specialId(0);
    }

    public int paddingId() {
        return specialId(1);
    }

    /** The bytes of an ordinary token, or {@code null} for a special token. */
    public byte[] bytesOf(int id) {
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + vocabSize() + ")");
        }
        return id < tokenBytes.length ? tokenBytes[id].clone() : null;
    }

    /** The rank of merging {@code left} and {@code right}, or -1 when they do not merge. */
    int rank(int left, int right) {
        return ranks.get(PairCounts.pack(left, right));
    }

    byte[] rawBytes(int id) {
        return tokenBytes[id];
    }

    /** A new encoder (not thread-safe: one per thread or task). */
    public Encoder encoder() {
        return new Encoder(this);
    }

    /**
     * Replaces every non-overlapping occurrence of {@code (a, b)}, left to right, by {@code merged} in the
     * first {@code length} symbols; returns the new length.
     */
    static int mergeInPlace(int[] symbols, int length, int a, int b, int merged) {
        int out = 0;
        int i = 0;
        while (i < length) {
            if (i + 1 < length && symbols[i] == a && symbols[i + 1] == b) {
                symbols[out++] = merged;
                i += 2;
            } else {
                symbols[out++] = symbols[i++];
            }
        }
        return out;
    }
}
