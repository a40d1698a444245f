package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class SigmoidRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("sigmoid", 2);
    }
}
