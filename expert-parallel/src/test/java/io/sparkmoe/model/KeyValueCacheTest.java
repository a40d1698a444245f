package io.sparkmoe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.inference.Logits;
import io.sparkmoe.inference.Sampler;
import io.sparkmoe.inference.TextGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Incremental decoding with the key/value cache against the full recompute: logits at every step, greedy and sampled
 * generation (past the context, where the generator falls back to the recompute), for every router family that
 * routes token by token, with shared experts and interleaved dense layers.
 */
class KeyValueCacheTest {

    private static final int[] TOKENS = {3, 16, 0, 7, 7, 11};   // context (seq_len) 5: the sixth would slide

    @ParameterizedTest
    @CsvSource({
            "topk, 2, 1, 0, 0, false, DOUBLE",
            "switch, 1, 1, 0, 0, false, DOUBLE",
            "hash, 1, 1, 0, 0, false, DOUBLE",
            "base, 1, 1, 0, 0, false, DOUBLE",
            "sigmoid, 2, 1, 0, 0, false, DOUBLE",
            "relu, 2, 1, 0, 0, false, DOUBLE",
            "cosine, 2, 1, 0, 0, false, DOUBLE",
            "grap, 1, 1, 0, 0, false, DOUBLE",
            "topk, 2, 1, 0, 1, true, DOUBLE",
            "topk, 2, 2, 1, 0, false, DOUBLE",
            "topk, 2, 1, 0, 1, false, FLOAT",
            "sigmoid, 2, 2, 1, 1, true, FLOAT"})
    void cachedLogitsEqualTheFullRecomputeAtEveryStep(String router, int k, int every, int firstDense, int shared,
                                                      boolean gate, String type) {
        MoeTransformer model = model(router, k, every, firstDense, shared, gate, DataType.valueOf(type),
                new Capacity.Dropless());
        assertTrue(model.decodesIncrementally(), router);
        double tolerance = "FLOAT".equals(type) ? 1e-5 : 1e-9;
        KeyValueCache cache = model.newCache(5);
        // the prompt in one call, then one token at a time
        assertClose(Logits.of(model, TinyModels.VOCAB, Arrays.copyOf(TOKENS, 3)),
                rows(model.forwardCached(Arrays.copyOf(TOKENS, 3), cache)), tolerance, router + " prompt");
        for (int length = 4; length <= 5; length++) {
            double[][] full = Logits.of(model, TinyModels.VOCAB, Arrays.copyOf(TOKENS, length));
            double[][] cached = rows(model.forwardCached(new int[]{TOKENS[length - 1]}, cache));
            assertClose(new double[][]{full[length - 1]}, cached, tolerance, router + " step " + length);
        }
        assertEquals(5, cache.length());
        assertThrows(IllegalArgumentException.class, () -> model.forwardCached(new int[]{1}, cache));
    }

    @ParameterizedTest
    @CsvSource({"topk, 2, DOUBLE", "hash, 1, FLOAT", "base, 1, FLOAT", "cosine, 2, DOUBLE"})
    void generationWithTheCacheEqualsTheRecomputePastTheContext(String router, int k, String type) {
        MoeTransformer model = model(router, k, 1, 0, 1, false, DataType.valueOf(type), new Capacity.Dropless());
        int[] prompt = {3, 16};
        for (Sampler.Settings settings : new Sampler.Settings[]{
                new Sampler.Settings(0, 0, 1.0, 1), new Sampler.Settings(1.0, 0, 1.0, 7)}) {
            int[] cached = new TextGenerator(model, TinyModels.VOCAB, 5, true)
                    .generate(prompt, 9, new Sampler(settings), -1);
            int[] recomputed = new TextGenerator(model, TinyModels.VOCAB, 5, false)
                    .generate(prompt, 9, new Sampler(settings), -1);
            assertEquals(9, cached.length);
            assertArrayEquals(recomputed, cached, router + " " + settings);
        }
    }

    @Test
    void batchDependentRoutingRecomputes() {
        assertFalse(model("expert-choice", 2, 1, 0, 0, false, DataType.DOUBLE, new Capacity.Factor(1.0))
                .decodesIncrementally());
        MoeTransformer capped = model("topk", 2, 1, 0, 0, false, DataType.DOUBLE, new Capacity.Factor(1.0));
        assertFalse(capped.decodesIncrementally());
        // the generator still works, by recomputing
        int[] ids = new TextGenerator(capped, TinyModels.VOCAB, 5).generate(new int[]{1, 2}, 4,
                new Sampler(new Sampler.Settings(0, 0, 1.0, 1)), -1);
        assertArrayEquals(new TextGenerator(capped, TinyModels.VOCAB, 5, false).generate(new int[]{1, 2}, 4,
                new Sampler(new Sampler.Settings(0, 0, 1.0, 1)), -1), ids);
    }

    private static MoeTransformer model(String router, int k, int every, int firstDense, int shared, boolean gate,
                                        DataType type, Capacity capacity) {
        ModelConfig config = TinyModels.model(every, firstDense, shared, gate, false);
        RoutingConfig routing = TinyModels.routing(router, k, true, capacity);
        MoeTransformer model = new MoeTransformer(config, routing, TinyModels.VOCAB, type, 42);
        model.setTraining(false);
        return model;
    }

    private static double[][] rows(INDArray logits) {
        double[][] out = new double[logits.rows()][];
        for (int r = 0; r < out.length; r++) {
            out[r] = logits.getRow(r).toDoubleVector();
        }
        return out;
    }

    /** Row by row, |a − b| ≤ tolerance · max|a| of the row. */
    private static void assertClose(double[][] expected, double[][] actual, double tolerance, String what) {
        int offset = expected.length - actual.length;
        for (int r = 0; r < actual.length; r++) {
            double scale = Arrays.stream(expected[offset + r]).map(Math::abs).max().orElse(1);
            for (int j = 0; j < actual[r].length; j++) {
                assertEquals(expected[offset + r][j], actual[r][j], tolerance * scale, what + " row " + r + " col " + j);
            }
        }
    }
}
