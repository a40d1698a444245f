package io.sparkmoe.routing.routers;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class GreedyBalancedAssignmentTest {

    /** The prefix-selection path gives exactly the full-sort assignment: skewed scores, many ties, padding. */
    @Test
    void prefixesAgreeWithTheFullSort() {
        Random r = new Random(1);
        for (int trial = 0; trial < 20; trial++) {
            int n = 50 + r.nextInt(400);
            int e = 2 + r.nextInt(30);
            double[] s = new double[n * e];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (trial % 2 == 0 ? r.nextInt(5) + 3 * (i % e == 0 ? 1 : 0) : r.nextGaussian() + (i % e) * 0.3);
            }
            boolean[] routed = new boolean[n];
            for (int t = 0; t < n; t++) {
                routed[t] = r.nextInt(10) != 0;
            }
            int[] expected = GreedyBalancedAssignment.byFullSort(s, e, routed);
            for (int firstChunk : new int[]{1, 7, 2 * n}) {   // small chunks: many select-and-sort rounds
                assertArrayEquals(expected, GreedyBalancedAssignment.byPrefixes(s, e, routed, firstChunk),
                        "trial " + trial + ", first chunk " + firstChunk);
            }
        }
    }

    /**
     * By hand, 4 tokens, 2 experts (room 2), scores t0 [5, 1], t1 [4, 0], t2 [3, 2], t3 [6, 7]:
     * order 7 (t3→e1), 6 (t3, done), 5 (t0→e0), 4 (t1→e0, e0 full), 3 (t2, e0 full), 2 (t2→e1).
     */
    @Test
    void byHand() {
        double[] s = {5, 1, 4, 0, 3, 2, 6, 7};
        boolean[] all = {true, true, true, true};
        assertArrayEquals(new int[]{0, 0, 1, 1}, GreedyBalancedAssignment.assign(s, 2, all));
        assertArrayEquals(new int[]{0, 0, 1, 1}, GreedyBalancedAssignment.byFullSort(s, 2, all));
    }
}
