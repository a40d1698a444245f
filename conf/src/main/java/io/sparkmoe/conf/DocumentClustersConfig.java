package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code data.clusters}: document features and k-means, for decentralized (Paris / c-BTM) training.
 *
 * @param count    number of clusters K; empty = no clustering
 * @param features dimension of the hashed TF-IDF features
 * @param svdDims  optional SVD projection of the features before k-means
 */
public record DocumentClustersConfig(Optional<Integer> count, int features, Optional<Integer> svdDims) {

    static final Key<Integer> COUNT = Key.optional("data.clusters.count", ValueType.integer(), null,
            "Number of document clusters (k-means); null = no clustering").must(atLeast(2), ">= 2");
    static final Key<Integer> FEATURES = Key.required("data.clusters.features", ValueType.integer(), 1 << 14,
            "Dimension of the hashed TF-IDF document features").must(atLeast(16), ">= 16");
    static final Key<Integer> SVD_DIMS = Key.optional("data.clusters.svd-dims", ValueType.integer(), null,
            "Project features to this many SVD dimensions before k-means; null = no projection").must(atLeast(2), ">= 2");

    static DocumentClustersConfig read(ConfigReader r) {
        DocumentClustersConfig c = new DocumentClustersConfig(r.getOptional(COUNT), r.get(FEATURES), r.getOptional(SVD_DIMS));
        r.check(c.svdDims.map(s -> s < c.features).orElse(true),
                "svd-dims (" + c.svdDims.orElse(0) + ") must be smaller than features (" + c.features + ")",
                SVD_DIMS, FEATURES);
        return c;
    }
}
