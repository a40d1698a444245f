package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code data.clusters}: document features and k-means, for decentralized (Paris / c-BTM) training.
 *
 * @param count    number of clusters K; empty = no clustering
 * @param features dimension of the hashed TF-IDF features
 * @param svdDims  optional SVD projection of the features before k-means
 * @param fineCount two-stage clustering: first this many fine clusters, then their centroids into {@code count}; empty = one stage
 * @param maxSizeFactor balanced clustering (c-BTM): no cluster holds more than this factor times N/K documents; empty = unbalanced
 * @param iterations k-means iterations per stage
 * @param router   the centroid router that sends sequences to the experts trained on these clusters
 * @param learnedRouter the learned router that {@code train-router} fits to these clusters' labels
 */
public record DocumentClustersConfig(Optional<Integer> count, int features, Optional<Integer> svdDims,
                                     Optional<Integer> fineCount, Optional<Double> maxSizeFactor, int iterations,
                                     CentroidRouterConfig router, LearnedRouterConfig learnedRouter) {

    static final Key<Integer> COUNT = Key.optional("data.clusters.count", ValueType.integer(), null,
            "Number of document clusters (k-means); null = no clustering").must(atLeast(2), ">= 2");
    static final Key<Integer> FEATURES = Key.required("data.clusters.features", ValueType.integer(), 1 << 14,
            "Dimension of the hashed TF-IDF document features").must(atLeast(16), ">= 16");
    static final Key<Integer> SVD_DIMS = Key.optional("data.clusters.svd-dims", ValueType.integer(), null,
            "Project features to this many SVD dimensions before k-means; null = no projection").must(atLeast(2), ">= 2");

    static final Key<Integer> FINE_COUNT = Key.optional("data.clusters.fine-count", ValueType.integer(), null,
            "Two-stage k-means: this many fine clusters first, then their centroids into count; null = one stage").must(atLeast(3), ">= 3");
    static final Key<Double> MAX_SIZE_FACTOR = Key.optional("data.clusters.max-size-factor", ValueType.number(), null,
            "Balanced clusters (c-BTM): at most this factor times documents/count per cluster; null = unbalanced").must(v -> v >= 1.0, ">= 1");
    static final Key<Integer> ITERATIONS = Key.required("data.clusters.iterations", ValueType.integer(), 20,
            "k-means iterations per stage").must(atLeast(1), ">= 1");

    static DocumentClustersConfig read(ConfigReader r) {
        DocumentClustersConfig c = new DocumentClustersConfig(r.getOptional(COUNT), r.get(FEATURES), r.getOptional(SVD_DIMS),
                r.getOptional(FINE_COUNT), r.getOptional(MAX_SIZE_FACTOR), r.get(ITERATIONS),
                CentroidRouterConfig.read(r), LearnedRouterConfig.read(r));
        r.check(c.fineCount.isEmpty() || c.count.isEmpty() || c.fineCount.get() > c.count.get(),
                "fine-count (" + c.fineCount.orElse(0) + ") must exceed count (" + c.count.orElse(0) + ")", FINE_COUNT, COUNT);
        r.check(c.svdDims.map(s -> s < c.features).orElse(true),
                "svd-dims (" + c.svdDims.orElse(0) + ") must be smaller than features (" + c.features + ")",
                SVD_DIMS, FEATURES);
        return c;
    }
}
