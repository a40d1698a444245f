package io.sparkmoe.conf;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code model.moe}: which layers are MoE, and the experts in them.
 *
 * @param experts                E routed experts per MoE layer
 * @param intermediateSize       f, each expert's SwiGLU hidden size
 * @param every                  1 = every layer MoE; 2 = layers 1, 3, 5 … (GShard/Switch)
 * @param layerList              explicit MoE layer indices, overriding {@code every}
 * @param firstDenseLayers       leading layers kept dense (DeepSeekMoE)
 * @param sharedExperts          always-on shared experts per MoE layer
 * @param sharedIntermediateSize hidden size of a shared expert; empty = f
 * @param sharedGate             scale the shared experts' sum by {@code σ(x·w_sg)} (Qwen2-MoE)
 */
public record MoeConfig(int experts, int intermediateSize, int every, Optional<List<Integer>> layerList,
                        int firstDenseLayers, int sharedExperts, Optional<Integer> sharedIntermediateSize,
                        boolean sharedGate) {

    static final Key<Integer> EXPERTS = Key.required("model.moe.experts", ValueType.integer(), 8,
            "Routed experts E per MoE layer").must(atLeast(1), ">= 1");
    static final Key<Integer> INTERMEDIATE = Key.required("model.moe.intermediate-size", ValueType.integer(), 512,
            "Expert SwiGLU hidden size f").must(atLeast(1), ">= 1");
    static final Key<Integer> EVERY = Key.required("model.moe.every", ValueType.integer(), 1,
            "Layer i is MoE when i >= first-dense-layers and (i+1) is a multiple of every (2 = layers 1, 3, 5, …)").must(atLeast(1), ">= 1");
    static final Key<List<Integer>> LAYER_LIST = Key.optional("model.moe.layers", ValueType.intList(), null,
                    "Explicit list of MoE layer indices; null = use every and first-dense-layers")
            .must(l -> l.stream().allMatch(i -> i >= 0), "indices >= 0")
            .must(l -> new HashSet<>(l).size() == l.size(), "distinct");
    static final Key<Integer> FIRST_DENSE_LAYERS = Key.required("model.moe.first-dense-layers", ValueType.integer(), 0,
            "Leading layers kept dense (DeepSeekMoE)").must(atLeast(0), ">= 0");
    static final Key<Integer> SHARED_EXPERTS = Key.required("model.moe.shared-experts", ValueType.integer(), 0,
            "Shared experts applied to every token").must(atLeast(0), ">= 0");
    static final Key<Integer> SHARED_INTERMEDIATE = Key.optional("model.moe.shared-intermediate-size",
            ValueType.integer(), null, "Shared expert hidden size; null = intermediate-size").must(atLeast(1), ">= 1");
    static final Key<Boolean> SHARED_GATE = Key.required("model.moe.shared-gate", ValueType.bool(), false,
            "Scale the shared experts by a sigmoid gate (Qwen2-MoE layout)");

    static MoeConfig read(ConfigReader r) {
        MoeConfig c = new MoeConfig(r.get(EXPERTS), r.get(INTERMEDIATE), r.get(EVERY), r.getOptional(LAYER_LIST),
                r.get(FIRST_DENSE_LAYERS), r.get(SHARED_EXPERTS), r.getOptional(SHARED_INTERMEDIATE), r.get(SHARED_GATE));
        r.check(!c.sharedGate || c.sharedExperts > 0, "shared-gate is true but shared-experts is 0",
                SHARED_GATE, SHARED_EXPERTS);
        return c;
    }

    /** The shared experts' hidden size. */
    public int sharedSize() {
        return sharedIntermediateSize.orElse(intermediateSize);
    }
}
