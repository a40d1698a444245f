package io.sparkmoe.routing.capacity;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CapacityTest {

    /**
     * 4 tokens, k = 2, E = 2, C = 2. Pairs (token: first, second choice; weights):
     * t0: e0 .6, e1 .4 | t1: e0 .7, e1 .3 | t2: e0 .9, e1 .1 | t3: e1 .8, e0 .2.
     * position (slot-major, then token order): e0 gets t0, t1 (first choices); t2's first choice is dropped;
     * e1 gets t3 (first choice), then t0's second. score: e0 keeps .9 (t2) and .7 (t1); e1 keeps .8 (t3), .4 (t0).
     */
    @Test
    void positionAndScorePolicies() {
        int[] ids = {0, 1, 0, 1, 0, 1, 1, 0};
        double[] w = {.6, .4, .7, .3, .9, .1, .8, .2};
        assertArrayEquals(new boolean[]{true, true, true, false, false, false, true, false},
                DropPolicy.POSITION.keep(ids, w, 4, 2, 2, 2));
        assertArrayEquals(new boolean[]{false, true, true, false, true, false, true, false},
                DropPolicy.SCORE.keep(ids, w, 4, 2, 2, 2));
    }

    @Test
    void unknownPolicyListsTheNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DropPolicy.of("random"));
        assertEquals("unknown drop policy random; available: position, score", e.getMessage());
    }

    /** erfc at a few points from tables: erfc(0) = 1, erfc(0.5) = 0.4795001222, erfc(1) = 0.1572992071, erfc(2) = 0.0046777350. */
    @Test
    void erfcMatchesTables() {
        assertEquals(1.0, Erfc.erfc(0), 2e-7);
        assertEquals(0.4795001222, Erfc.erfc(0.5), 1e-7);
        assertEquals(0.1572992071, Erfc.erfc(1), 1e-7);
        assertEquals(0.0046777350, Erfc.erfc(2), 1e-8);
        assertEquals(2 - 0.1572992071, Erfc.erfc(-1), 1e-7);
    }

    /**
     * d = 1, δ² = 1: √(δ²d/(2−δ²)) = 1, bound = N/(E·erfc(1)) = 100/(4·0.1572992071) = 158.93; with k = 2 the
     * capacity is ⌈158.93⌉ = 159 (within [⌈100·2/4⌉ = 50, 200]). δ = 0 gives N/E = 25, raised to 50.
     * δ² ≥ 2 (opposite vectors) is unbounded: capacity N·k = 200.
     */
    @Test
    void locMoeBoundByHand() {
        double b = LocMoeCapacity.bound(1.0, 1, 100, 4);
        assertEquals(100 / (4 * 0.1572992071), b, 1e-4);
        assertEquals(159, LocMoeCapacity.capacity(b, 100, 2, 4));
        assertEquals(25, LocMoeCapacity.bound(0, 64, 100, 4), 1e-9);
        assertEquals(50, LocMoeCapacity.capacity(25, 100, 2, 4));
        assertEquals(Double.POSITIVE_INFINITY, LocMoeCapacity.bound(Math.sqrt(2), 8, 100, 4));
        assertEquals(200, LocMoeCapacity.capacity(Double.POSITIVE_INFINITY, 100, 2, 4));
    }

    /** Chord between unit vectors at cosine c is √(2 − 2c): c = 1 → 0, c = 0 → √2, c = ½ → 1. */
    @Test
    void deltaIsTheLargestChordOfTheAssignedPairs() {
        double[] cos = {1.0, 0.0, 0.5, -1.0};    // 2 tokens × 2 experts
        assertEquals(1.0, LocMoeCapacity.delta(cos, 2, new int[]{0, 0}, 1), 1e-12);        // t0→e0 (0), t1→e0 (1)
        assertEquals(Math.sqrt(2), LocMoeCapacity.delta(cos, 2, new int[]{1, 0}, 1), 1e-12);  // t0→e1 (√2)
        assertEquals(0.0, LocMoeCapacity.delta(cos, 2, new int[]{0, -1}, 1), 1e-12);
    }
}
