package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class GroupLimitedSigmoidRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("sigmoid", 2).groupLimit(1);
    }
}
