package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class GroupLimitedCosineRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("cosine", 2).groupLimit(1);
    }
}
