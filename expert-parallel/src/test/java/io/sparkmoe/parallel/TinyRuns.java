package io.sparkmoe.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.train.SyntheticShards;

/** The tiny model and synthetic shards the expert-parallel tests train on (the single-JVM trainer test's sizes). */
final class TinyRuns {

    private TinyRuns() {
    }

    /** 2 MoE layers of 4 experts, d = 16, batch 4 × 16 tokens, load-balance loss 0.01; extra overrides last. */
    static SparkMoeConfig config(String... extra) {
        List<String> overrides = new ArrayList<>(List.of("model.hidden-size=16", "model.layers=2",
                "model.heads=2", "model.seq-len=16", "model.dense-intermediate-size=24", "model.moe.experts=4",
                "model.moe.intermediate-size=12", "model.moe.first-dense-layers=0", "model.moe.every=1",
                "train.steps=20", "train.batch-size=4", "train.eval-every=10", "train.eval-batches=1",
                "train.log-every=5", "train.optimizer.lr=0.01", "train.optimizer.min-lr=0.001",
                "train.optimizer.warmup-steps=3", "run.seed=7"));
        overrides.addAll(List.of(extra));
        return ConfigLoader.load(Optional.empty(), overrides).config();
    }

    static ShardSet data(Path dir) throws IOException {
        return SyntheticShards.write(Files.createDirectories(dir.resolve("data")), 3);
    }
}
