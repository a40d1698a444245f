package io.sparkmoe.jobs.decentralized;

import java.util.List;
import java.util.Optional;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.io.NativeConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The synchronous MoE of the comparison: the experts' architecture with every feed-forward block K experts of the
 * dense size, its active parameters (k of K experts) counted from a real model, and the steps of equal FLOPs.
 */
class SynchronousMoeTest {

    static final int D = 16;
    static final int F = 24;
    static final int LAYERS = 3;
    static final int VOCAB = 50;

    static SparkMoeConfig config(String... more) {
        List<String> keys = new java.util.ArrayList<>(List.of("model.layers=" + LAYERS, "model.hidden-size=" + D,
                "model.heads=2", "model.dense-intermediate-size=" + F, "model.moe.experts=8",
                "model.moe.intermediate-size=4", "model.moe.every=2"));
        keys.addAll(List.of(more));
        return DenseExpert.of(ConfigLoader.load(Optional.empty(), keys).config());
    }

    @Test
    void everyFeedForwardBlockBecomesKExpertsOfTheDenseSize() {
        SparkMoeConfig moe = SynchronousMoe.of(config(), 3);
        assertEquals(List.of(0, 1, 2), NativeConfig.of(moe, VOCAB).moeLayers());
        assertEquals(3, moe.model().moe().experts());
        assertEquals(F, moe.model().moe().intermediateSize());
        assertEquals(0, moe.model().moe().sharedExperts());
        assertEquals(config().routing(), moe.routing());
        assertEquals(config().train(), moe.train());
    }

    @Test
    void activeParametersCountKOfTheKExperts() {
        SparkMoeConfig dense = config();
        SparkMoeConfig moe = SynchronousMoe.of(dense, 3);
        long denseTotal = SynchronousMoe.parameters(model(dense).parameters());
        MoeTransformer m = model(moe);
        long total = SynchronousMoe.parameters(m.parameters());
        long expert = 3L * D * F;
        long router = (long) D * 3;
        // each layer: the dense block's weights become 3 experts of that size, plus a router
        assertEquals(denseTotal + LAYERS * (2 * expert + router), total);
        assertEquals(total - LAYERS * expert, SynchronousMoe.activeParameters(m.parameters(), 3, 2));
        assertEquals(total - LAYERS * 2 * expert, SynchronousMoe.activeParameters(m.parameters(), 3, 1));
        assertEquals(denseTotal, SynchronousMoe.activeParameters(model(dense).parameters(), 3, 2),
                "a dense model's parameters are all active");
    }

    @Test
    void equalFlopStepsMatchTheReferenceComputeToTheNearestStep() {
        // 3 experts x 120 steps of 8 x 64 tokens at 147,776 parameters; the MoE uses 180,000 per token
        long tokens = 3L * 120 * 8 * 64;
        int steps = SynchronousMoe.equalFlopSteps(147_776, tokens, 180_000, 8 * 64);
        assertEquals(Math.round(147_776.0 * 360 / 180_000), steps);
        double ratio = 180_000.0 * steps * 8 * 64 / (147_776.0 * tokens);
        assertTrue(Math.abs(ratio - 1) <= 0.5 / steps, "within half a step: " + ratio);
        assertEquals(360, SynchronousMoe.equalFlopSteps(1000, tokens, 1000, 8 * 64), "same model, same tokens");
        assertEquals(1, SynchronousMoe.equalFlopSteps(1, 1, 1_000_000, 8), "at least one step");
    }

    @Test
    void topKAboveTheClustersIsRefusedNamingTheKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SynchronousMoe.of(config("routing.top-k=3"), 2));
        assertTrue(e.getMessage().contains("routing.top-k (3)") && e.getMessage().contains("data.clusters.count = 2")
                && e.getMessage().contains("--no-moe"), e.getMessage());
    }

    static MoeTransformer model(SparkMoeConfig c) {
        return new MoeTransformer(c.model(), c.routing(), VOCAB, DataType.FLOAT, 1);
    }
}
