package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class GroupLimitedTopKRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("topk", 4).groupLimit(2);
    }
}
