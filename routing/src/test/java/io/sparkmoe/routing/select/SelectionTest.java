package io.sparkmoe.routing.select;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SelectionTest {

    @Test
    void topKBreaksTiesTowardTheLowerIndex() {
        int[] out = new int[3];
        assertEquals(3, TopK.select(new double[]{9, 0.5, 0.7, 0.7, 0.5}, 1, 4, 3, out, 0));
        assertArrayEquals(new int[]{1, 2, 0}, out);
    }

    @Test
    void topKSkipsMinusInfinity() {
        int[] out = {-1, -1};
        assertEquals(1, TopK.select(new double[]{Double.NEGATIVE_INFINITY, 3}, 0, 2, 2, out, 0));
        assertArrayEquals(new int[]{1, -1}, out);
    }

    /**
     * Experts 0, 1 on node 0 and 2, 3 on node 1; scores [0.5, 0.0, 0.4, 0.3]. Plain top-2: {0, 2}.
     * M = 1, k = 2: node scores are the sums of the best k/M = 2: node 0 → 0.5, node 1 → 0.7, so {2, 3}.
     * M = 2, k = 2 (best 1 per node): both nodes allowed → {0, 2}.
     */
    @Test
    void groupLimitByHand() {
        double[] s = {0.5, 0.0, 0.4, 0.3};
        int[] nodes = {0, 0, 1, 1};
        int[] out = new int[2];
        TopK.select(s, 0, 4, 2, out, 0);
        assertArrayEquals(new int[]{0, 2}, out);
        new GroupLimit(nodes, 1, 2).select(s, 0, 2, out, 0);
        assertArrayEquals(new int[]{2, 3}, out);
        new GroupLimit(nodes, 2, 2).select(s, 0, 2, out, 0);
        assertArrayEquals(new int[]{0, 2}, out);
    }

    @Test
    void stableSortKeepsInputOrderOnTies() {
        double[] key = {1, 3, 3, 2, 1, 3};
        int[] idx = {0, 1, 2, 3, 4, 5};
        StableSort.descending(idx, 6, key);
        assertArrayEquals(new int[]{1, 2, 5, 3, 0, 4}, idx);
    }

    /** Both paths (float-exact keys in ascending index order, and the general one) give the stable order. */
    @Test
    void packedAndMergePathsAgree() {
        java.util.Random r = new java.util.Random(3);
        double[] floatKeys = new double[2000];
        double[] doubleKeys = new double[2000];
        for (int i = 0; i < floatKeys.length; i++) {
            floatKeys[i] = (float) (r.nextInt(50) - 25) / 4;      // many ties, negatives, zeros
            doubleKeys[i] = floatKeys[i] + (i % 7 == 0 ? 1e-12 : 0);
        }
        floatKeys[10] = -0.0;
        for (double[] keys : new double[][]{floatKeys, doubleKeys}) {
            int[] idx = new int[keys.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i;
            }
            StableSort.descending(idx, idx.length, keys);
            for (int i = 1; i < idx.length; i++) {
                double a = keys[idx[i - 1]];
                double b = keys[idx[i]];
                org.junit.jupiter.api.Assertions.assertTrue(a > b || (a == b && idx[i - 1] < idx[i]),
                        "position " + i + ": " + a + "@" + idx[i - 1] + " before " + b + "@" + idx[i]);
            }
        }
    }

    /** Values [3, 5, 5, 1, 5, 4] over candidates 0..5: the best 3 are the 5s at 1, 2, 4; best 4 adds 4 at 5. */
    @Test
    void topTokensKeepsTheBestWithLowIndexTies() {
        double[] v = {3, 5, 5, 1, 5, 4};
        int[] cand = {0, 1, 2, 3, 4, 5};
        int[] out = new int[4];
        TopTokens top = new TopTokens(4);
        assertEquals(3, top.select(v, cand, 6, 3, out));
        assertEquals(java.util.Set.of(1, 2, 4), java.util.Set.of(out[0], out[1], out[2]));
        assertEquals(2, top.select(new double[]{5, 5, 5, 5, 5, 5}, cand, 6, 2, out));
        assertEquals(java.util.Set.of(0, 1), java.util.Set.of(out[0], out[1]));
        assertEquals(4, top.select(v, cand, 6, 4, out));
        assertEquals(java.util.Set.of(1, 2, 4, 5), java.util.Set.of(out[0], out[1], out[2], out[3]));
    }
}
