package io.sparkmoe.model.io;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.MoeConfig;

/** Hugging Face Llama, for dense models (no MoE layer): the native names of a dense model are Llama's. */
final class LlamaLayout extends HfLayout {

    LlamaLayout() {
        super("llama", "llama", "LlamaForCausalLM");
    }

    @Override
    public Optional<String> misfit(NativeConfig c) {
        return c.moeLayers().isEmpty() ? Optional.empty() : Optional.of("llama is for dense models; this model has"
                + " MoE layers " + c.moeLayers() + " (export it as mixtral, qwen2-moe or native)");
    }

    @Override
    void putFamilyConfig(ObjectNode o, NativeConfig c) {
        o.put("intermediate_size", c.model().denseIntermediateSize());
        o.put("attention_bias", false);
        o.put("mlp_bias", false);
    }


    @Override
    public NativeConfig readConfig(JsonNode json, String source) {
        JsonFields f = new JsonFields(json, source);
        f.check(!f.bool("attention_bias", false), "attention_bias", "must be false");
        f.check(!f.bool("mlp_bias", false), "mlp_bias", "must be false");
        MoeConfig none = new MoeConfig(0, 1, 1, Optional.of(List.of()), 0, 0, Optional.empty(), false);
        return read(f, 1e4, 1e-6, f.requiredInt("intermediate_size"), none, topK(1, false));
    }
}
