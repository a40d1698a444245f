package io.sparkmoe.model;

import java.util.Optional;

import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;

/** Tiny configurations for tests: d = 8, H = 2, E = 4, f = 6, dense f = 10, V = 17. */
final class TinyModels {

    static final int VOCAB = 17;
    static final int HIDDEN = 8;

    private TinyModels() {
    }

    /** Two layers; init-std 0.5 so that every nonlinearity is exercised in gradient checks. */
    static ModelConfig model(int every, int firstDense, int shared, boolean sharedGate, boolean tied) {
        return new ModelConfig(Optional.of(VOCAB), HIDDEN, 2, 2, 5, 10000.0, 1e-5, tied, 10, 0.5,
                new MoeConfig(4, 6, every, Optional.empty(), firstDense, shared, Optional.empty(), sharedGate));
    }

    /** A router with load-balance (0.01) and z-loss (0.001) on. */
    static RoutingConfig routing(String router, int k, boolean normalize, Capacity capacity) {
        return new RoutingConfig(router, k, normalize, capacity, "position", false, Optional.empty(),
                new AuxLossConfig(Optional.of(0.01), Optional.of(0.001), Optional.empty()),
                new SigmoidRouterConfig(0.001, 1.0), new ReluRouterConfig(1e-8, 1.2, Optional.empty()),
                new CosineRouterConfig(16, 0.07));
    }

    static RoutingConfig dropless(String router, int k, boolean normalize) {
        return routing(router, k, normalize, new Capacity.Dropless());
    }
}
