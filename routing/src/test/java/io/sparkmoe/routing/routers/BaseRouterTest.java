package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.RoutingDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmoe.routing.TestConfigs;

class BaseRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("base", 1);
    }

    /** All scores equal: pairs are taken in (token, expert) order, so tokens fill expert 0, then 1, ... ⌈N/E⌉ each. */
    @Override
    void assertTies(RoutingDecision d) {
        int room = (N + E - 1) / E;
        for (int t = 0; t < N; t++) {
            assertEquals(t / room, d.expertId(t, 0), "token " + t);
        }
    }
}
