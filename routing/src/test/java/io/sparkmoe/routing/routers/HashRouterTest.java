package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.RoutingDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmoe.routing.TestConfigs;

class HashRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("hash", 1);
    }

    /** Hash ignores the hidden states: the expert is the permuted token id mod E. */
    @Override
    void assertTies(RoutingDecision d) {
        int[] ids = io.sparkmoe.routing.TestData.tokenIds(3, N, VOCAB);
        int[] perm = HashRouter.permutation(VOCAB, 7);
        for (int t = 0; t < N; t++) {
            assertEquals(perm[ids[t]] % E, d.expertId(t, 0), "token " + t);
        }
    }
}
