package io.sparkmoe.model;

import java.util.Map;
import java.util.Optional;

import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;
import io.sparkmoe.routing.scores.Arrays2;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The MoE machinery adds nothing of its own when there is nothing to choose: a model whose every layer is MoE with one
 * expert and k = 1 (top-k with normalize, so the gate weight is exactly 1; auxiliary losses off, since they would train
 * the router) gives the dense SwiGLU model's logits, loss and gradients when the expert holds the dense weights.
 * Float64, so any extra term or lost gradient shows far above round-off.
 */
class OneExpertEqualsDenseTest {

    private static final int VOCAB = 17;
    private static final int HIDDEN = 10;
    private static final int[][] IDS = {{1, 5, 16, 2, 9, 3}, {4, 0, 7, 7, 12, 0}};
    /** Dense SwiGLU names and the one expert's names for the same matrices (W1, W3, W2). */
    private static final Map<String, String> FFN = Map.of("mlp.gate_proj.weight", "block_sparse_moe.experts.0.w1.weight",
            "mlp.up_proj.weight", "block_sparse_moe.experts.0.w3.weight",
            "mlp.down_proj.weight", "block_sparse_moe.experts.0.w2.weight");

    private static ModelConfig model(int experts, int firstDense) {
        return new ModelConfig(Optional.of(VOCAB), 8, 2, 2, 5, 10000.0, 1e-5, false, HIDDEN, 0.5,
                new MoeConfig(experts, HIDDEN, 1, Optional.empty(), firstDense, 0, Optional.empty(), false));
    }

    private static RoutingConfig topOneNoAux() {
        return new RoutingConfig("topk", 1, true, new Capacity.Dropless(), "position", false, Optional.empty(),
                new AuxLossConfig(Optional.empty(), Optional.empty(), Optional.empty()),
                new SigmoidRouterConfig(0.001, 1.0), new ReluRouterConfig(1e-8, 1.2, Optional.empty()),
                new CosineRouterConfig(16, 0.07));
    }

    private static String moeName(String denseName) {
        for (Map.Entry<String, String> e : FFN.entrySet()) {
            if (denseName.endsWith(e.getKey())) {
                return denseName.replace(e.getKey(), e.getValue());
            }
        }
        return denseName;
    }

    @Test
    void oneExpertWithTopOneIsTheDenseModel() {
        MoeTransformer dense = new MoeTransformer(model(1, 2), topOneNoAux(), VOCAB, DataType.DOUBLE, 3);
        MoeTransformer moe = new MoeTransformer(model(1, 0), topOneNoAux(), VOCAB, DataType.DOUBLE, 11);
        Parameters d = dense.parameters();
        Parameters m = moe.parameters();
        for (String name : d.names()) {
            m.value(moeName(name)).assign(d.value(name));
        }

        assertArrayEquals(Arrays2.toDoubles(dense.forward(IDS)), Arrays2.toDoubles(moe.forward(IDS)), 1e-12, "logits");
        d.zeroGradients();
        m.zeroGradients();
        double denseLoss = dense.loss(IDS, -1);
        double moeLoss = moe.loss(IDS, -1);
        assertEquals(0.0, moe.auxLoss(), "no auxiliary loss configured");
        assertEquals(denseLoss, moeLoss, 1e-12, "training loss");
        dense.backward();
        moe.backward();
        for (String name : d.names()) {
            INDArray expected = d.gradient(name);
            INDArray actual = m.gradient(moeName(name));
            assertArrayEquals(Arrays2.toDoubles(expected), Arrays2.toDoubles(actual), 1e-12, "gradient of " + name);
        }
        for (String name : m.names()) {
            if (name.endsWith("block_sparse_moe.gate.weight")) {
                assertEquals(0.0, m.gradient(name).amaxNumber().doubleValue(), 1e-12,
                        "with one expert and normalized weights the router gets no gradient: " + name);
            }
        }
    }
}
