package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.routing.RoutingDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmoe.routing.TestConfigs;

class ExpertChoiceRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("expert-choice", 2).capacity(new Capacity.Factor(1.0));
    }

    /** All probabilities equal: each expert takes the first C = N·k/E tokens, so those get every expert. */
    @Override
    void assertTies(RoutingDecision d) {
        int c = N * 2 / E;
        for (int t = 0; t < N; t++) {
            for (int s = 0; s < E; s++) {
                assertEquals(t < c ? s : RoutingDecision.NO_EXPERT, d.expertId(t, s), "token " + t + " slot " + s);
            }
        }
    }
}
