package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.positive;

/**
 * Section {@code routing.relu}: ReMoE's ReLU router with adaptive L1 regularisation.
 *
 * @param l1Init         λ₀, the initial L1 weight
 * @param l1Alpha        α in {@code λ ← λ·α^sign(target − sparsity)}
 * @param targetSparsity share of zero gates aimed at; empty = {@code 1 − k/E}
 */
public record ReluRouterConfig(double l1Init, double l1Alpha, Optional<Double> targetSparsity) {

    static final Key<Double> L1_INIT = Key.required("routing.relu.l1-init", ValueType.number(), 1e-8,
            "Initial L1 weight lambda of the ReLU router").must(positive(), "> 0");
    static final Key<Double> L1_ALPHA = Key.required("routing.relu.l1-alpha", ValueType.number(), 1.2,
            "Multiplicative update of lambda").must(v -> v > 1, "> 1");
    static final Key<Double> TARGET_SPARSITY = Key.optional("routing.relu.target-sparsity", ValueType.number(), null,
            "Target share of zero gates; null = 1 - k/E").must(v -> v >= 0 && v < 1, "in [0, 1)");

    static ReluRouterConfig read(ConfigReader r) {
        return new ReluRouterConfig(r.get(L1_INIT), r.get(L1_ALPHA), r.getOptional(TARGET_SPARSITY));
    }
}
