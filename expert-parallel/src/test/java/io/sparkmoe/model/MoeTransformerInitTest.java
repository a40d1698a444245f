package io.sparkmoe.model;

import java.util.List;
import java.util.Optional;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tensor names (the reference's native layout), MODEL.md's init, and seeding. */
class MoeTransformerInitTest {

    private static MoeTransformer model(boolean tied, long seed) {
        ModelConfig c = new ModelConfig(Optional.of(100), 64, 2, 4, 16, 10000.0, 1e-5, tied, 96, 0.02,
                new MoeConfig(4, 48, 2, Optional.empty(), 0, 1, Optional.empty(), true));
        return new MoeTransformer(c, TinyModels.dropless("sigmoid", 2, false), 100, DataType.FLOAT, seed);
    }

    @Test
    void namesFollowTheNativeLayout() {
        List<String> names = model(false, 1).parameters().names();
        assertTrue(names.containsAll(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
                "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.o_proj.weight",
                "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                "model.layers.0.mlp.down_proj.weight", "model.layers.1.block_sparse_moe.gate.weight",
                "model.layers.1.block_sparse_moe.experts.3.w1.weight", "model.layers.1.block_sparse_moe.experts.3.w2.weight",
                "model.layers.1.block_sparse_moe.experts.3.w3.weight",
                "model.layers.1.block_sparse_moe.shared_experts.0.w2.weight",
                "model.layers.1.block_sparse_moe.shared_expert_gate.weight")), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.startsWith("model.layers.0.block_sparse_moe")
                || n.startsWith("model.layers.1.mlp.")));
        assertTrue(model(false, 1).parameters().buffers().containsKey("model.layers.1.block_sparse_moe.gate.e_score_correction_bias"));
        assertFalse(model(true, 1).parameters().names().contains("lm_head.weight"));
    }

    @Test
    void initFollowsModelMd() {
        Parameters p = model(false, 1).parameters();
        assertEquals(0.02, std(p.value("model.layers.0.self_attn.q_proj.weight")), 0.001);
        assertEquals(0.02, std(p.value("model.embed_tokens.weight")), 0.001);
        double outScale = 1 / Math.sqrt(2 * 2);
        assertEquals(0.02 * outScale, std(p.value("model.layers.0.self_attn.o_proj.weight")), 0.0005);
        assertEquals(0.02 * outScale, std(p.value("model.layers.0.mlp.down_proj.weight")), 0.0005);
        assertEquals(0.02 * outScale, std(p.value("model.layers.1.block_sparse_moe.experts.0.w2.weight")), 0.0007);
        assertEquals(64.0, p.value("model.layers.1.post_attention_layernorm.weight").sumNumber().doubleValue());
        assertEquals(64.0, p.value("model.norm.weight").sumNumber().doubleValue());
        assertEquals(DataType.FLOAT, p.value("model.layers.1.block_sparse_moe.gate.weight").dataType());
    }

    @Test
    void theSeedDecidesTheInit() {
        Parameters a = model(false, 7).parameters();
        Parameters b = model(false, 7).parameters();
        Parameters c = model(false, 8).parameters();
        for (String name : a.names()) {
            assertEquals(a.value(name), b.value(name), name);
        }
        assertNotEquals(a.value("model.layers.0.self_attn.q_proj.weight"), c.value("model.layers.0.self_attn.q_proj.weight"));
        assertNotEquals(a.value("model.layers.1.block_sparse_moe.gate.weight"), c.value("model.layers.1.block_sparse_moe.gate.weight"));
    }

    private static double std(INDArray a) {
        return a.castTo(DataType.DOUBLE).stdNumber().doubleValue();
    }
}
