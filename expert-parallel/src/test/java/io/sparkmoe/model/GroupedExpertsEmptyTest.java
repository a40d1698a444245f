package io.sparkmoe.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A rank of an expert-parallel run whose experts receive no row in a step (one expert per rank and a router that
 * sends it nothing) runs the experts on zero rows: nothing to compute, no gradient, and the next step with rows
 * computes as before. Found by the locality benchmark: ND4J refused the element-wise ops on empty views.
 */
class GroupedExpertsEmptyTest {

    @Test
    void zeroRowsGiveNothingAndLeaveGradientsAlone() {
        Parameters params = new MoeTransformer(TinyModels.model(1, 0, 0, false, false),
                TinyModels.dropless("topk", 2, false), TinyModels.VOCAB, DataType.FLOAT, 7).parameters();
        params.zeroGradients();
        String prefix = "model.layers.0.block_sparse_moe.";
        int d = TinyModels.HIDDEN;
        GroupedExperts experts = new GroupedExperts(params, prefix, new int[]{1}, new StepClock());

        double[] y = experts.forward(new double[0], new int[]{0}, d, DataType.FLOAT, 8, null);
        assertEquals(0, experts.backward(new double[0], null).length);
        assertEquals(0, y.length);
        assertEquals(0.0, params.gradient(prefix + "experts.1.w1.weight").norm2Number().doubleValue());

        Random random = new Random(3);
        double[] rows = new double[2 * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = random.nextGaussian();
        }
        double[] withRows = experts.forward(rows, new int[]{2}, d, DataType.FLOAT, 8, null).clone();
        GroupedExperts fresh = new GroupedExperts(params, prefix, new int[]{1}, new StepClock());
        assertArrayEquals(fresh.forward(rows, new int[]{2}, d, DataType.FLOAT, 8, null), withRows, 0.0);
        experts.backward(rows, null);
        assertEquals(true, params.gradient(prefix + "experts.1.w1.weight").norm2Number().doubleValue() > 0);
    }
}
