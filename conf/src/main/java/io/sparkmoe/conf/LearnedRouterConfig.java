package io.sparkmoe.conf;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Keys {@code router.learned.*}: the learned router of decentralized experts (Paris), a small classifier that
 * {@code train-router} fits after the experts to the cluster labels of the training windows, reading the same
 * {@code router.prefix-tokens} leading tokens as the centroid router.
 *
 * @param dim         width of its own token embedding (mean-pooled over the prefix)
 * @param hidden      width of the tanh hidden layer; 0 = a linear classifier of the pooled embedding
 * @param steps       AdamW steps
 * @param batchSize   windows per step
 * @param lr          peak learning rate (linear warm-up, cosine decay to a tenth)
 * @param weightDecay decoupled weight decay on its matrices
 * @param maxWindows  training windows per cluster at most; 0 = every window of the cluster's training shards
 */
public record LearnedRouterConfig(int dim, int hidden, int steps, int batchSize, double lr, double weightDecay,
                                  int maxWindows) {

    static final Key<Integer> DIM = Key.required("router.learned.dim", ValueType.integer(), 32,
            "Token embedding width of the learned router (mean-pooled over the prefix)").must(atLeast(1), ">= 1");
    static final Key<Integer> HIDDEN = Key.required("router.learned.hidden", ValueType.integer(), 32,
            "Hidden (tanh) width of the learned router; 0 = linear").must(atLeast(0), ">= 0");
    static final Key<Integer> STEPS = Key.required("router.learned.steps", ValueType.integer(), 300,
            "AdamW steps of train-router").must(atLeast(1), ">= 1");
    static final Key<Integer> BATCH_SIZE = Key.required("router.learned.batch-size", ValueType.integer(), 64,
            "Windows per train-router step").must(atLeast(1), ">= 1");
    static final Key<Double> LR = Key.required("router.learned.lr", ValueType.number(), 0.01,
            "Peak learning rate of train-router").must(v -> v > 0, "> 0");
    static final Key<Double> WEIGHT_DECAY = Key.required("router.learned.weight-decay", ValueType.number(), 0.0,
            "Decoupled weight decay of train-router on the router's matrices").must(v -> v >= 0, ">= 0");
    static final Key<Integer> MAX_WINDOWS = Key.required("router.learned.max-windows", ValueType.integer(), 0,
            "Training windows per cluster for train-router at most; 0 = all").must(atLeast(0), ">= 0");

    static LearnedRouterConfig read(ConfigReader r) {
        return new LearnedRouterConfig(r.get(DIM), r.get(HIDDEN), r.get(STEPS), r.get(BATCH_SIZE), r.get(LR),
                r.get(WEIGHT_DECAY), r.get(MAX_WINDOWS));
    }
}
