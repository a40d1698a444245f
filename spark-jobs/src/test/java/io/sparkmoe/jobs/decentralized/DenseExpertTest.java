package io.sparkmoe.jobs.decentralized;

import java.util.List;
import java.util.Optional;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.model.io.NativeConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A decentralized expert is the configured architecture without MoE layers; nothing else changes. */
class DenseExpertTest {

    @Test
    void theExpertHasNoMoeLayersAndKeepsEverythingElse() {
        SparkMoeConfig moe = ConfigLoader.load(Optional.empty(), List.of("model.layers=3")).config();
        SparkMoeConfig dense = DenseExpert.of(moe);
        assertFalse(NativeConfig.of(moe, 100).moeLayers().isEmpty());
        assertTrue(NativeConfig.of(dense, 100).moeLayers().isEmpty());
        assertEquals(moe.model().hiddenSize(), dense.model().hiddenSize());
        assertEquals(moe.model().layers(), dense.model().layers());
        assertEquals(moe.model().denseIntermediateSize(), dense.model().denseIntermediateSize());
        assertEquals(moe.train(), dense.train());
        assertEquals(moe.data(), dense.data());
        assertEquals(moe.run(), dense.run());
    }
}
