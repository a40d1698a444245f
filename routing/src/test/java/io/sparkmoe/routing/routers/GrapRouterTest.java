package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class GrapRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("grap", 1);
    }
}
