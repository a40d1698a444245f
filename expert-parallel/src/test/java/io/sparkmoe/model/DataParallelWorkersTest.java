package io.sparkmoe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.OptimizerConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.stats.RoutingStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * W data-parallel workers against one model on the whole batch (float64, so that only summation order separates
 * them): the same loss, auxiliary loss, every gradient (the load-balance loss's included, which needs the counts
 * summed over the workers), routing statistics, and the same loss again after an AdamW step (the replicas copy the
 * primary). A failing worker's error reaches the caller and leaves the group usable.
 */
class DataParallelWorkersTest {

    private static final ModelConfig MODEL = TinyModels.model(1, 0, 1, false, false);
    private static final long SEED = 21;

    @ParameterizedTest
    @ValueSource(strings = {"topk", "switch", "cosine", "hash"})
    void twoAndFourWorkersEqualOneModelOnTheWholeBatch(String router) {
        RoutingConfig routing = TinyModels.dropless(router, 2, true);
        int[][] ids = batch(4);
        DataParallelWorkers one = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED, 1);
        double loss = one.loss(ids);
        double aux = one.auxLoss();
        one.backward();
        for (int w : new int[]{2, 4}) {
            DataParallelWorkers split = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE,
                    SEED, w);
            assertEquals(loss, split.loss(ids), 1e-12, router + ", " + w + " workers: loss");
            assertEquals(aux, split.auxLoss(), 1e-12, router + ", " + w + " workers: auxiliary loss");
            assertTrue(aux > 0 || router.equals("hash"), "the auxiliary losses are on");
            split.backward();
            Parameters a = one.primary().parameters();
            Parameters b = split.primary().parameters();
            for (String name : a.names()) {
                double[] ga = a.gradient(name).dup('c').data().asDouble();
                double[] gb = b.gradient(name).dup('c').data().asDouble();
                assertArrayEquals(ga, gb, 1e-12 * (1 + max(ga)), router + ", " + w + " workers: gradient of " + name);
            }
            SortedMap<Integer, RoutingStatistics> whole = one.routingStatistics();
            SortedMap<Integer, RoutingStatistics> combined = split.routingStatistics();
            assertEquals(whole.keySet(), combined.keySet());
            whole.forEach((layer, s) -> {
                assertArrayEquals(s.load(), combined.get(layer).load(), "load of block " + layer);
                assertEquals(s.maxOverMean(), combined.get(layer).maxOverMean(), 1e-12);
                assertEquals(s.coefficientOfVariation(), combined.get(layer).coefficientOfVariation(), 1e-12);
            });
        }
    }

    @Test
    void theLoadBalanceGradientNeedsTheWholeBatchCounts() {
        // the check above would pass for a loss whose counts were per worker only if the gradients did not differ:
        // they do, by more than its tolerance, when a replica routes its slice alone
        RoutingConfig routing = TinyModels.dropless("topk", 2, true);
        int[][] ids = batch(4);
        DataParallelWorkers one = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED, 1);
        one.loss(ids);
        one.backward();
        MoeTransformer alone0 = new MoeTransformer(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED);
        MoeTransformer alone1 = new MoeTransformer(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED);
        alone0.loss(java.util.Arrays.copyOfRange(ids, 0, 2), -1);
        alone1.loss(java.util.Arrays.copyOfRange(ids, 2, 4), -1);
        alone0.backward();
        alone1.backward();
        String router = "model.layers.0.block_sparse_moe.gate.weight";
        double[] whole = one.primary().parameters().gradient(router).dup('c').data().asDouble();
        double[] g0 = alone0.parameters().gradient(router).dup('c').data().asDouble();
        double[] g1 = alone1.parameters().gradient(router).dup('c').data().asDouble();
        double worst = 0;
        for (int i = 0; i < whole.length; i++) {
            worst = Math.max(worst, Math.abs(whole[i] - (g0[i] + g1[i]) / 2));
        }
        assertTrue(worst > 1e-9, "per-slice counts change the router's gradient (max difference " + worst + ")");
    }

    @Test
    void afterAnOptimizerStepTheReplicasFollowThePrimary() {
        RoutingConfig routing = TinyModels.dropless("topk", 2, true);
        OptimizerConfig adam = new OptimizerConfig(1e-2, 1e-3, 0, 0.1, Optional.of(1.0), 0.9, 0.95, 1e-8);
        DataParallelWorkers one = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED, 1);
        DataParallelWorkers two = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED, 2);
        AdamW a = new AdamW(one.primary().parameters(), adam, 10);
        AdamW b = new AdamW(two.primary().parameters(), adam, 10);
        for (int step = 0; step < 3; step++) {
            int[][] ids = batch(4, step);
            one.zeroGradients();
            two.zeroGradients();
            assertEquals(one.loss(ids), two.loss(ids), 1e-10, "loss before step " + step);
            one.backward();
            two.backward();
            assertEquals(one.step(a), two.step(b), 1e-10, "gradient norm at step " + step);
            one.afterStep();
            two.afterStep();
        }
    }

    @Test
    void aFailingWorkerReachesTheCallerAndTheGroupStaysUsable() {
        RoutingConfig routing = TinyModels.dropless("topk", 2, true);
        DataParallelWorkers two = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED, 2);
        int[][] bad = batch(4);
        bad[3][1] = TinyModels.VOCAB + 5;     // in worker 1's slice: its embedding refuses it
        RuntimeException e = assertThrows(RuntimeException.class, () -> two.loss(bad));
        assertTrue(e.getMessage().contains(String.valueOf(TinyModels.VOCAB + 5)), e.getMessage());
        DataParallelWorkers one = new DataParallelWorkers(MODEL, routing, TinyModels.VOCAB, DataType.DOUBLE, SEED, 1);
        int[][] ids = batch(4);
        assertEquals(one.loss(ids), two.loss(ids), 1e-12, "the next call after a failure");
        // the primary used alone (evaluation, exports) routes its own batch without waiting for the others
        assertEquals(one.loss(ids), two.primary().loss(ids, -1), 1e-12);
    }

    @Test
    void aBatchThatDoesNotSplitIsRefused() {
        DataParallelWorkers two = new DataParallelWorkers(MODEL, TinyModels.dropless("topk", 2, true),
                TinyModels.VOCAB, DataType.DOUBLE, SEED, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> two.loss(batch(3)));
        assertTrue(e.getMessage().contains("3 sequences") && e.getMessage().contains("2 workers"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DataParallelWorkers(MODEL,
                TinyModels.dropless("topk", 2, true), TinyModels.VOCAB, DataType.DOUBLE, SEED, 0));
    }

    private static int[][] batch(int sequences) {
        return batch(sequences, 0);
    }

    private static int[][] batch(int sequences, int salt) {
        Random r = new Random(5 + salt);
        int[][] ids = new int[sequences][MODEL.seqLen() + 1];
        for (int[] row : ids) {
            for (int t = 0; t < row.length; t++) {
                row[t] = r.nextInt(TinyModels.VOCAB);
            }
        }
        return ids;
    }

    private static double max(double[] xs) {
        double m = 0;
        for (double x : xs) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
