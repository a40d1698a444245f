package io.sparkmoe.model.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.MoeConfig;

/**
 * Hugging Face Mixtral: every layer MoE with softmax top-k renormalised over the chosen experts, no shared experts.
 * The tensor names are the native ones (the native layout was named after Mixtral's).
 */
final class MixtralLayout extends HfLayout {

    MixtralLayout() {
        super("mixtral", "mixtral", "MixtralForCausalLM");
    }

    @Override
    public Optional<String> misfit(NativeConfig c) {
        List<String> has = new ArrayList<>();
        if (!c.routing().router().equals("topk") || !c.routing().normalize()) {
            has.add("router " + c.routing().router() + (c.routing().normalize() ? " with" : " without") + " normalize");
        }
        if (c.routing().groupLimit().isPresent()) {
            has.add("a group limit");
        }
        if (c.moeLayers().size() != c.model().layers()) {
            has.add("MoE layers " + c.moeLayers() + " of " + c.model().layers());
        }
        if (c.model().moe().sharedExperts() > 0) {
            has.add(c.model().moe().sharedExperts() + " shared expert(s)");
        }
        return has.isEmpty() ? Optional.empty() : Optional.of("mixtral needs router topk with normalize, every layer MoE, no"
                + " shared experts and no group limit; this model has " + String.join(", ", has));
    }

    @Override
    void putFamilyConfig(ObjectNode o, NativeConfig c) {
        o.put("num_local_experts", c.model().moe().experts());
        o.put("num_experts_per_tok", c.routing().topK());
        o.put("intermediate_size", c.model().moe().intermediateSize());
        o.put("router_aux_loss_coef", c.routing().aux().loadBalance().orElse(0.0));
        o.put("output_router_logits", false);
    }


    @Override
    public NativeConfig readConfig(JsonNode json, String source) {
        JsonFields f = new JsonFields(json, source);
        int experts = f.requiredInt("num_local_experts");
        MoeConfig moe = new MoeConfig(experts, f.requiredInt("intermediate_size"), 1, Optional.empty(), 0, 0,
                Optional.empty(), false);
        return read(f, 1e6, 1e-5, 1024, moe, topK(f.integer("num_experts_per_tok", 2), true));
    }
}
