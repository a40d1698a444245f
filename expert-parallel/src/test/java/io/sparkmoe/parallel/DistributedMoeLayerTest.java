package io.sparkmoe.parallel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.exchange.InProcessExchange;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.model.FeedForward;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.Parameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One MoE layer split over ranks computes what the single-JVM {@link io.sparkmoe.model.MoeLayer} computes on all the
 * tokens: outputs and input gradients (the ranks' rows concatenated), expert gradients (at the expert's rank) and the
 * router's gradients (summed over ranks), to 1e-5 of each quantity's largest value. The single-JVM layer is itself checked against finite differences and the
 * per-token reference; the distributed one moves rows as float32, so it is compared to float32 rounding.
 */
class DistributedMoeLayerTest {

    private static final int VOCAB = 32;
    private static final int TOKENS = 24;

    @ParameterizedTest(name = "{0} ranks on {1} node(s), {2}")
    @CsvSource({"2, 1, routing.capacity=dropless", "4, 2, routing.capacity=dropless",
            "4, 2, routing.capacity=8.0", "2, 2, model.moe.shared-experts=1"})
    void splitOverRanksEqualsOneLayerOnAllTokens(int ranks, int nodes, String option) throws Exception {
        // aux gradients are normalised per rank and scaled by 1/N in the trainer, not here: weight 0 leaves them out
        SparkMoeConfig config = TinyRuns.config("cluster.ranks=" + ranks, "routing.aux.load-balance=0", option);
        MoeTransformer whole = new MoeTransformer(config.model(), config.routing(), VOCAB, DataType.FLOAT, 5);
        FeedForward one = whole.blocks().get(0).feedForward();
        int d = config.model().hiddenSize();
        Random random = new Random(11);
        float[][] xs = new float[TOKENS][d];
        float[][] dys = new float[TOKENS][d];
        int[] ids = new int[TOKENS];
        for (int t = 0; t < TOKENS; t++) {
            for (int c = 0; c < d; c++) {
                xs[t][c] = (float) random.nextGaussian();
                dys[t][c] = (float) random.nextGaussian();
            }
            ids[t] = random.nextInt(VOCAB);
        }
        whole.parameters().zeroGradients();
        INDArray expectedY = one.forward(Nd4j.createFromArray(xs), ids, null).dup();
        INDArray expectedDx = one.backward(Nd4j.createFromArray(dys)).dup();

        List<String> nodeOfRank = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            nodeOfRank.add("node" + r * nodes / ranks);
        }
        Topology topology = Topology.of(nodeOfRank);
        InProcessExchange.Group group = InProcessExchange.group(topology, Duration.ofSeconds(60));
        ExpertShards shards = ExpertShards.contiguous(config.model().moe().experts(), topology);
        int per = TOKENS / ranks;
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        List<Future<Parameters>> futures = new ArrayList<>();
        INDArray[] ys = new INDArray[ranks];
        INDArray[] dxs = new INDArray[ranks];
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            futures.add(pool.submit(() -> {
                try (InProcessExchange exchange = group.rank(rank)) {
                    MoeTransformer mine = new MoeTransformer(config.model(), config.routing(), VOCAB, DataType.FLOAT, 5,
                            new DistributedLayers(exchange, shards, new ExchangeClock()));
                    FeedForward layer = mine.blocks().get(0).feedForward();
                    assertTrue(layer instanceof DistributedMoeLayer);
                    mine.parameters().zeroGradients();
                    int[] myIds = java.util.Arrays.copyOfRange(ids, rank * per, (rank + 1) * per);
                    ys[rank] = layer.forward(Nd4j.createFromArray(rows(xs, rank * per, per)), myIds, null).dup();
                    dxs[rank] = layer.backward(Nd4j.createFromArray(rows(dys, rank * per, per))).dup();
                    return mine.parameters();
                }
            }));
        }
        List<Parameters> params = new ArrayList<>();
        for (Future<Parameters> f : futures) {
            params.add(f.get());
        }
        pool.shutdown();

        // float32 rows and float32 sums in another order: a few ulps of the largest value, far below 1e-5 of it
        double tolerance = 1e-5;
        assertClose(expectedY, Nd4j.vstack(ys), tolerance, "outputs");
        assertClose(expectedDx, Nd4j.vstack(dxs), tolerance, "input gradients");
        String block = "model.layers.0.block_sparse_moe.";
        for (String name : whole.parameters().names()) {
            if (!name.startsWith(block)) {
                continue;
            }
            INDArray expected = whole.parameters().gradient(name);
            INDArray got = Nd4j.zerosLike(expected);
            int holders = 0;
            for (Parameters p : params) {
                if (p.contains(name)) {
                    got.addi(p.gradient(name));
                    holders++;
                }
            }
            assertEquals(ExpertShards.isExpertTensor(name) ? 1 : ranks, holders, name + " is held by");
            assertClose(expected, got, tolerance, "gradient of " + name);
        }
    }

    private static float[][] rows(float[][] all, int from, int count) {
        return java.util.Arrays.copyOfRange(all, from, from + count);
    }

    private static void assertClose(INDArray expected, INDArray got, double tolerance, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(got.shape()), what);
        double diff = expected.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(diff <= tolerance * scale, what + " differ by " + diff + ", largest value " + scale);
    }
}
