package io.sparkmoe.data.features;

import java.util.Arrays;

/**
 * Assigns documents to clusters with a size cap, as c-BTM balances its clusters: all (document, cluster)
 * pairs are taken in order of increasing distance, and a pair is accepted when the document is still free
 * and the cluster below its cap. With {@code cap × K ≥ N} every document is placed; each goes to the nearest
 * cluster that still had room when its turn came. Ties break by document, then cluster, so it is deterministic.
 */
public final class BalancedAssignment {

    private BalancedAssignment() {
    }

    /** {@code distances[doc][cluster]} → cluster of each document. */
    public static int[] assign(double[][] distances, int cap) {
        int n = distances.length;
        int k = n == 0 ? 0 : distances[0].length;
        if ((long) cap * k < n) {
            throw new IllegalArgumentException("cap " + cap + " × " + k + " clusters < " + n + " documents");
        }
        long[] order = new long[n * k];
        for (int i = 0; i < n * k; i++) {
            order[i] = i;
        }
        Long[] boxed = Arrays.stream(order).boxed().toArray(Long[]::new);
        Arrays.sort(boxed, (a, b) -> {
            int c = Double.compare(distances[(int) (a / k)][(int) (a % k)], distances[(int) (b / k)][(int) (b % k)]);
            return c != 0 ? c : Long.compare(a, b);
        });
        int[] cluster = new int[n];
        Arrays.fill(cluster, -1);
        int[] size = new int[k];
        int placed = 0;
        for (Long pair : boxed) {
            int doc = (int) (pair / k);
            int c = (int) (pair % k);
            if (cluster[doc] < 0 && size[c] < cap) {
                cluster[doc] = c;
                size[c]++;
                if (++placed == n) {
                    break;
                }
            }
        }
        return cluster;
    }
}
