package io.sparkmoe.model.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.RoutingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hugging Face Qwen2-MoE: softmax top-k ({@code norm_topk_prob} = normalize; {@code switch} is top-1 without it),
 * exactly one shared expert scaled by a sigmoid gate in every MoE layer, dense layers listed in
 * {@code mlp_only_layers}. A model without shared experts is written with a zero shared expert (its output is zero
 * whatever the gate); the family's q/k/v biases are written as zeros.
 */
final class Qwen2MoeLayout extends HfLayout {

    Qwen2MoeLayout() {
        super("qwen2-moe", "qwen2_moe", "Qwen2MoeForCausalLM");
    }

    @Override
    public Optional<String> misfit(NativeConfig c) {
        List<String> has = new ArrayList<>();
        RoutingConfig r = c.routing();
        MoeConfig moe = c.model().moe();
        if (!r.router().equals("topk") && !r.router().equals("switch")) {
            has.add("router " + r.router());
        }
        if (r.groupLimit().isPresent()) {
            has.add("a group limit");
        }
        if (moe.sharedExperts() > 1 || moe.sharedExperts() == 1 && !moe.sharedGate()) {
            has.add(moe.sharedExperts() + " shared expert(s)" + (moe.sharedGate() ? " with a gate" : " without a gate"));
        }
        if (c.moeLayers().isEmpty()) {
            has.add("no MoE layer");
        }
        return has.isEmpty() ? Optional.empty() : Optional.of("qwen2-moe needs router topk (or switch), at least one"
                + " MoE layer, no group limit and none or one shared expert with shared-gate; this model has "
                + String.join(", ", has));
    }

    private static int sharedSize(NativeConfig c) {
        return c.model().moe().sharedExperts() == 0 ? c.model().moe().intermediateSize() : c.model().moe().sharedSize();
    }

    private static boolean top1(NativeConfig c) {
        return c.routing().router().equals("switch");
    }

    @Override
    void putFamilyConfig(ObjectNode o, NativeConfig c) {
        MoeConfig moe = c.model().moe();
        o.put("num_experts", moe.experts());
        o.put("num_experts_per_tok", top1(c) ? 1 : c.routing().topK());
        o.put("norm_topk_prob", !top1(c) && c.routing().normalize());
        o.put("moe_intermediate_size", moe.intermediateSize());
        o.put("shared_expert_intermediate_size", sharedSize(c));
        o.put("intermediate_size", c.model().denseIntermediateSize());
        o.put("decoder_sparse_step", 1);
        List<Integer> moeLayers = c.moeLayers();
        var only = o.putArray("mlp_only_layers");
        for (int i = 0; i < c.model().layers(); i++) {
            if (!moeLayers.contains(i)) {
                only.add(i);
            }
        }
        o.put("max_window_layers", c.model().layers());
        o.put("router_aux_loss_coef", c.routing().aux().loadBalance().orElse(0.0));
        o.put("output_router_logits", false);
        o.put("qkv_bias", true);
    }

    @Override
    String layoutName(String n) {
        if (!n.contains(".block_sparse_moe.")) {
            return n;
        }
        n = n.replace(".block_sparse_moe.", ".mlp.").replace(".shared_experts.0.", ".shared_expert.");
        return n.replace(".w1.", ".gate_proj.").replace(".w3.", ".up_proj.").replace(".w2.", ".down_proj.");
    }

    @Override
    void addMissing(NativeConfig c, Map<String, INDArray> out) {
        int d = c.model().hiddenSize();
        int fs = sharedSize(c);
        for (int i = 0; i < c.model().layers(); i++) {
            String pre = "model.layers." + i + ".";
            for (String p : new String[]{"q", "k", "v"}) {
                out.put(pre + "self_attn." + p + "_proj.bias", Nd4j.zeros(DataType.FLOAT, d));
            }
            if (c.isMoe(i) && c.model().moe().sharedExperts() == 0) {
                String s = pre + "mlp.shared_expert.";
                out.put(s + "gate_proj.weight", Nd4j.zeros(DataType.FLOAT, fs, d));
                out.put(s + "up_proj.weight", Nd4j.zeros(DataType.FLOAT, fs, d));
                out.put(s + "down_proj.weight", Nd4j.zeros(DataType.FLOAT, d, fs));
                out.put(pre + "mlp.shared_expert_gate.weight", Nd4j.zeros(DataType.FLOAT, 1, d));
            }
        }
    }

    @Override
    public NativeConfig readConfig(JsonNode json, String source) {
        JsonFields f = new JsonFields(json, source);
        int layers = f.requiredInt("num_hidden_layers");
        int step = f.integer("decoder_sparse_step", 1);
        f.check(step >= 1, "decoder_sparse_step", "must be >= 1");
        List<Integer> only = f.intList("mlp_only_layers").orElse(List.of());
        List<Integer> moeLayers = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            if (!only.contains(i) && (i + 1) % step == 0) {
                moeLayers.add(i);
            }
        }
        int f1 = f.requiredInt("moe_intermediate_size");
        MoeConfig moe = new MoeConfig(f.requiredInt("num_experts"), f1, 1, Optional.of(List.copyOf(moeLayers)), 0, 1,
                Optional.of(f.requiredInt("shared_expert_intermediate_size")), true);
        return read(f, 1e4, 1e-6, f.requiredInt("intermediate_size"), moe,
                topK(f.integer("num_experts_per_tok", 2), f.bool("norm_topk_prob", false)));
    }
}
