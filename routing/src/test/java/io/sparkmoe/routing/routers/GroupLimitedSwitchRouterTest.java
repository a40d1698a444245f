package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class GroupLimitedSwitchRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("switch", 1).groupLimit(1);
    }
}
