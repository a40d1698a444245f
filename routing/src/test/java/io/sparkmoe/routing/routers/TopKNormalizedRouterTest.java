package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class TopKNormalizedRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("topk", 2).normalize(true);
    }
}
