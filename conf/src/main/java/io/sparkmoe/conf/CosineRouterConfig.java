package io.sparkmoe.conf;

import static io.sparkmoe.conf.Key.atLeast;
import static io.sparkmoe.conf.Key.positive;

/**
 * Section {@code routing.cosine}: X-MoE's cosine router on a low-dimensional projection.
 *
 * @param dim     r, the projection and expert-embedding dimension
 * @param tauInit initial (learned) temperature τ
 */
public record CosineRouterConfig(int dim, double tauInit) {

    static final Key<Integer> DIM = Key.required("routing.cosine.dim", ValueType.integer(), 16,
            "Projection dimension r of the cosine router").must(atLeast(1), ">= 1");
    static final Key<Double> TAU_INIT = Key.required("routing.cosine.tau-init", ValueType.number(), 0.07,
            "Initial temperature tau of the cosine router").must(positive(), "> 0");

    static CosineRouterConfig read(ConfigReader r) {
        return new CosineRouterConfig(r.get(DIM), r.get(TAU_INIT));
    }
}
