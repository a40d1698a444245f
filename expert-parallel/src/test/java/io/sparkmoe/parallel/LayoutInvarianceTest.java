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
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.SyntheticShards;
import io.sparkmoe.train.TrainResult;
import io.sparkmoe.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * N ranks with per-step all-reduce train on exactly the single JVM's global batch, so they must reproduce its run.
 */
class LayoutInvarianceTest {

    static final int STEPS = 20;

    @TempDir
    static Path dir;

    static ShardSet data;

    static SparkMoeConfig config(String... extra) {
        List<String> overrides = new ArrayList<>(List.of("model.hidden-size=16", "model.layers=2",
                "model.heads=2", "model.seq-len=16", "model.dense-intermediate-size=24", "model.moe.experts=4",
                "model.moe.intermediate-size=12", "model.moe.first-dense-layers=0", "model.moe.every=1",
                "train.steps=" + STEPS, "train.batch-size=4", "train.eval-every=10", "train.eval-batches=1",
                "train.log-every=5", "train.optimizer.lr=0.01", "train.optimizer.min-lr=0.001",
                "train.optimizer.warmup-steps=3", "run.seed=7", "routing.aux.load-balance=0"));
        overrides.addAll(List.of(extra));
        return ConfigLoader.load(Optional.empty(), overrides).config();
    }

    @BeforeAll
    static void data() throws IOException {
        data = SyntheticShards.write(Files.createDirectories(dir.resolve("data")), 3);
    }

    static TrainResult single(SparkMoeConfig config, Trainer trainer) throws IOException {
        try (MetricsWriter metrics = new MetricsWriter(dir.resolve("single.jsonl"))) {
            return trainer.run(metrics);
        }
    }

    @Test
    void twoAndFourRanksReproduceOneJvm() throws IOException {
        SparkMoeConfig config = config();
        Trainer one = new Trainer(config, data);
        double[] expected = single(config, one).losses();
        for (int n : new int[]{2, 4}) {
            InProcessRanks ranks = new InProcessRanks(config, data, Topology.singleNode(n));
            List<RankResult> results = ranks.run();
            double worst = 0;
            for (RankResult r : results) {
                double[] got = r.losses();
                assertEquals(STEPS, got.length);
                for (int s = 0; s < STEPS; s++) {
                    worst = Math.max(worst, Math.abs(got[s] - expected[s]) / Math.abs(expected[s]));
                }
                assertEquals(results.get(0).replicaHash(), r.replicaHash(), "replicas equal after the run");
            }
            double worstParam = 0;
            for (RankTrainer t : ranks.trainers()) {
                Parameters mine = t.model().parameters();
                for (String name : mine.names()) {
                    INDArray a = mine.value(name);
                    INDArray b = one.model().parameters().value(name);
                    worstParam = Math.max(worstParam, a.sub(b).amaxNumber().doubleValue());
                }
            }
            System.out.printf("N=%d: worst relative loss difference %.3g, worst parameter difference %.3g%n", n,
                    worst, worstParam);
            assertTrue(worst < 1e-5, "N=" + n + ": loss differs by " + worst + " (relative)");
            assertTrue(worstParam < 1e-4, "N=" + n + ": a parameter differs by " + worstParam);
        }
    }
}
