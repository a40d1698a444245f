package io.sparkmoe.model;

import java.util.Optional;

import io.sparkmoe.conf.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward, backward and AdamW together: the tiny float32 model memorises one batch (the loss falls by more than half). */
class OverfitOneBatchTest {

    @Test
    void lossFallsOnARepeatedBatch() {
        MoeTransformer model = new MoeTransformer(TinyModels.model(1, 0, 1, true, false), TinyModels.dropless("topk", 2, true),
                TinyModels.VOCAB, DataType.FLOAT, 3);
        AdamW adam = new AdamW(model.parameters(), new OptimizerConfig(1e-2, 1e-3, 5, 0.0, Optional.of(1.0), 0.9, 0.95, 1e-8), 60);
        int[][] ids = {{1, 5, 16, 2, 9, 3}, {4, 0, 7, 7, 12, 0}};
        double first = 0;
        double last = 0;
        for (int step = 0; step < 60; step++) {
            model.parameters().zeroGradients();
            last = model.loss(ids, -1);
            first = step == 0 ? last : first;
            model.backward();
            adam.step();
        }
        assertTrue(Double.isFinite(last) && last < 0.5 * first, "loss " + first + " -> " + last);
    }
}
