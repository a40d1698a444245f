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
}
