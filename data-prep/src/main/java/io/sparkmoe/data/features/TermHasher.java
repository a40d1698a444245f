package io.sparkmoe.data.features;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Hashed term-frequency features, written down so that a router can recompute them for a prefix without
 * Spark (they are saved with the centroids, {@code centroids.json}):
 * <ul>
 *   <li>terms: maximal runs of letters (Unicode L*) of at least 2 code points, lower-cased with the root
 *       locale;</li>
 *   <li>hash: MurmurHash3 x86 32-bit of the term's UTF-8 bytes, seed 0; dimension = hash mod {@code dims}
 *       (non-negative remainder);</li>
 *   <li>term frequency: {@code 1 + ln(count)} per dimension.</li>
 * </ul>
 */
public final class TermHasher implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int dims;

    public TermHasher(int dims) {
        this.dims = dims;
    }

    public int dims() {
        return dims;
    }

    /** Calls {@code sink} with each term of {@code text}, in order. */
    public static void terms(String text, java.util.function.Consumer<String> sink) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int c = text.codePointAt(i);
            if (!Character.isLetter(c)) {
                i += Character.charCount(c);
                continue;
            }
            int start = i;
            int letters = 0;
            while (i < n && Character.isLetter(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
                letters++;
            }
            if (letters >= 2) {
                sink.accept(text.substring(start, i).toLowerCase(Locale.ROOT));
            }
        }
    }

    /** The dimension of a term. */
    public int dimension(String term) {
        return Math.floorMod(murmur3(term.getBytes(StandardCharsets.UTF_8), 0), dims);
    }

    /** Sparse term frequencies of {@code text}: dimensions ascending, values {@code 1 + ln(count)}. */
    public SparseVector termFrequencies(String text) {
        TreeMap<Integer, Integer> counts = new TreeMap<>();
        terms(text, t -> counts.merge(dimension(t), 1, Integer::sum));
        int[] idx = new int[counts.size()];
        double[] val = new double[counts.size()];
        int k = 0;
        for (var e : counts.entrySet()) {
            idx[k] = e.getKey();
            val[k++] = 1 + Math.log(e.getValue());
        }
        return new SparseVector(dims, idx, val);
    }

    /** MurmurHash3, x86 32-bit variant. */
    static int murmur3(byte[] data, int seed) {
        int h = seed;
        int len = data.length;
        int blocks = len / 4;
        for (int i = 0; i < blocks; i++) {
            int k = (data[4 * i] & 0xFF) | (data[4 * i + 1] & 0xFF) << 8 | (data[4 * i + 2] & 0xFF) << 16 | (data[4 * i + 3] & 0xFF) << 24;
            h ^= mixK(k);
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int k = 0;
        int tail = blocks * 4;
        switch (len & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xFF) << 16;
                // fall through
            case 2:
                k ^= (data[tail + 1] & 0xFF) << 8;
                // fall through
            case 1:
                k ^= data[tail] & 0xFF;
                h ^= mixK(k);
                break;
            default:
                break;
        }
        h ^= len;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mixK(int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        return k * 0x1b873593;
    }
}
