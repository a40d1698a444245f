package io.sparkmoe.data.shards;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UnigramEntropyTest {

    @Test
    void uniformTokensHaveLogVocabEntropyAndOneTokenHasNone() {
        assertEquals(Math.log(4), UnigramEntropy.of(List.of(new int[] {0, 1}, new int[] {2, 3, 3, 2, 1, 0}), 8), 1e-12);
        assertEquals(0.0, UnigramEntropy.of(List.of(new int[] {5, 5, 5}), 8), 0.0);
    }

    @Test
    void skewedDistributionMatchesTheFormula() {
        // p = (1/2, 1/4, 1/4): H = 1.5 ln 2
        assertEquals(1.5 * Math.log(2), UnigramEntropy.of(List.of(new int[] {0, 0, 1, 2}), 3), 1e-12);
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> UnigramEntropy.of(List.of(new int[] {3}), 3));
        assertThrows(IllegalArgumentException.class, () -> UnigramEntropy.of(List.of(new int[0]), 3));
    }
}
