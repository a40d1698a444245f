package io.sparkmoe.routing.select;

/**
 * Top-k of one row of a [N, E] array by repeated scans: O(k·E), faster than sorting for the small k of
 * routing, and ties go to the lower index (a stable descending sort, as MODEL.md requires and
 * {@code torch.topk} does not promise). Entries equal to −∞ are never picked.
 */
public final class TopK {

    private TopK() {
    }

    /**
     * Writes the indices (0..E−1) of the k largest of {@code v[off .. off+e)} into {@code out[outOff ..]}, best
     * first; returns how many were found (fewer than k only when entries are −∞).
     */
    public static int select(double[] v, int off, int e, int k, int[] out, int outOff) {
        int found = 0;
        for (int slot = 0; slot < k; slot++) {
            int best = -1;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < e; j++) {
                double x = v[off + j];
                if (x > bestValue && !taken(out, outOff, found, j)) {
                    best = j;
                    bestValue = x;
                }
            }
            if (best < 0) {
                break;
            }
            out[outOff + found++] = best;
        }
        return found;
    }

    private static boolean taken(int[] out, int off, int n, int j) {
        for (int i = 0; i < n; i++) {
            if (out[off + i] == j) {
                return true;
            }
        }
        return false;
    }
}
