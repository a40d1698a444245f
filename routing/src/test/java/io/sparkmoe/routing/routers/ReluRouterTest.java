package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.RoutingDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmoe.routing.TestConfigs;

class ReluRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("relu", 2).l1Init(0.1);   // large enough for the gradient check to see the L1 term
    }

    /** ReLU(0) = 0: with all logits equal to zero no expert is used. */
    @Override
    void assertTies(RoutingDecision d) {
        for (int id : d.expertIds()) {
            assertEquals(RoutingDecision.NO_EXPERT, id);
        }
    }
}
