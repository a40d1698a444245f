package io.sparkmoe.conf;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Keys {@code router.*}: the centroid router of decentralized experts (c-BTM), which sends a sequence to experts by
 * the distance of its prefix's document features to the cluster centroids of {@code data.clusters}.
 *
 * @param prefixTokens how many leading tokens of a sequence the router reads; perplexity counts only the tokens after them
 * @param temperature  τ in {@code w_j ∝ exp(−‖h − c_j‖² / τ)}
 */
public record CentroidRouterConfig(int prefixTokens, double temperature) {

    static final Key<Integer> PREFIX_TOKENS = Key.required("router.prefix-tokens", ValueType.integer(), 32,
            "Leading tokens of a sequence that the decentralized experts' router reads (perplexity counts the tokens after them)")
            .must(atLeast(1), ">= 1");
    static final Key<Double> TEMPERATURE = Key.required("router.temperature", ValueType.number(), 0.1,
            "Temperature tau of the centroid router: w_j proportional to exp(-|h - c_j|^2 / tau)")
            .must(v -> v > 0, "> 0");

    static CentroidRouterConfig read(ConfigReader r) {
        return new CentroidRouterConfig(r.get(PREFIX_TOKENS), r.get(TEMPERATURE));
    }
}
