package io.sparkmoe.conf;

/**
 * The whole configuration: one record per concern, under the top-level sections {@code data},
 * {@code model}, {@code routing}, {@code train}, {@code cluster} and {@code run}, plus the preset it
 * started from. Built only by {@link ConfigLoader}, which validates everything before any job runs.
 */
public record SparkMoeConfig(String preset, DataConfig data, ModelConfig model, RoutingConfig routing,
                             TrainConfig train, ClusterConfig cluster, RunConfig run) {

    static final Key<String> PRESET = Key.required("preset", ValueType.choice(Presets.NAMES), Presets.DEFAULT,
            "Preset layered under this file: " + String.join(", ", Presets.NAMES));

    /** Reads every section, then the rules that tie sections together. */
    static SparkMoeConfig read(ConfigReader r) {
        SparkMoeConfig c = new SparkMoeConfig(r.get(PRESET), DataConfig.read(r), ModelConfig.read(r),
                RoutingConfig.read(r), TrainConfig.read(r), ClusterConfig.read(r), RunConfig.read(r));
        int experts = c.model.moe().experts();
        RoutingConfig routing = c.routing;
        r.check(routing.topK() <= experts, "top-k (" + routing.topK() + ") is greater than the number of experts ("
                + experts + ")", RoutingConfig.TOP_K, MoeConfig.EXPERTS);
        r.check(!routing.router().equals("grap") || c.model.hiddenSize() % experts == 0, "router grap averages"
                + " E contiguous groups of features, so hidden-size (" + c.model.hiddenSize()
                + ") must be divisible by experts (" + experts + ")", RoutingConfig.ROUTER, ModelConfig.HIDDEN_SIZE,
                MoeConfig.EXPERTS);
        r.check(experts % c.cluster.ranks() == 0, "experts (" + experts + ") must be divisible by ranks ("
                + c.cluster.ranks() + ") so every rank hosts the same number", MoeConfig.EXPERTS, ClusterConfig.RANKS);
        r.check(c.model.vocabSize().map(v -> v == c.data.tokenizer().vocabSize()).orElse(true),
                "model.vocab-size (" + c.model.vocabSize().orElse(0) + ") differs from data.tokenizer.vocab-size ("
                        + c.data.tokenizer().vocabSize() + "); leave model.vocab-size null to take the tokenizer's",
                ModelConfig.VOCAB_SIZE, TokenizerConfig.VOCAB_SIZE);
        r.check(c.train.batchSize() % c.cluster.ranks() == 0, "batch-size (" + c.train.batchSize()
                + ") must be divisible by ranks (" + c.cluster.ranks() + ")", TrainConfig.BATCH_SIZE, ClusterConfig.RANKS);
        boolean batchRule = routing.router().equals("relu")
                || routing.router().equals("sigmoid") && routing.sigmoid().biasRate() != 0;
        r.check(c.train.workers() == 1 || !batchRule, "router " + routing.router() + " adjusts itself after each step"
                + " from the whole batch's routing decision (sigmoid: the bias update; relu: the L1 weight toward the"
                + " target sparsity), which workers > 1 would see only in part: use workers = 1"
                + (routing.router().equals("sigmoid") ? " or routing.sigmoid.bias-rate = 0" : ""),
                TrainConfig.WORKERS, RoutingConfig.ROUTER);
        r.check(!c.train.checkpoint().resume().equals(CheckpointConfig.LATEST) || c.run.name().isPresent(),
                "resume = latest continues a named run: set run.name to the run to continue", CheckpointConfig.RESUME,
                RunConfig.NAME);
        return c;
    }
}
