package io.sparkmoe.parallel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.train.MetricsWriter;
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

    @BeforeAll
    static void data() throws IOException {
        data = TinyRuns.data(dir);
    }

    static TrainResult single(Trainer trainer) throws IOException {
        try (MetricsWriter metrics = new MetricsWriter(dir.resolve("single.jsonl"))) {
            return trainer.run(metrics);
        }
    }

    @Test
    void twoAndFourRanksReproduceOneJvm() throws IOException {
        Trainer one = new Trainer(TinyRuns.config("routing.aux.z-loss=0.001"), data);
        double[] expected = single(one).losses();
        for (int n : new int[]{2, 4}) {
            SparkMoeConfig config = TinyRuns.config("routing.aux.z-loss=0.001", "cluster.ranks=" + n);
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
