package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class SwitchRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("switch", 1);
    }
}
