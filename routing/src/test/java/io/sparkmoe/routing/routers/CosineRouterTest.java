package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.TestConfigs;

class CosineRouterTest extends RouterConformanceTest {

    @Override
    TestConfigs config() {
        return TestConfigs.router("cosine", 2).normalize(true);
    }
}
