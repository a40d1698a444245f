package io.sparkmoe.model.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.conf.TrainConfig;

/**
 * A model's {@code config.json} in the native layout, both ways: the fields of the PyTorch reference's docstring
 * ({@code ../shared/bench/torch_reference.py}; a missing field takes that reference's default) plus ours that it
 * keeps and ignores (router settings it does not have, {@code capacity} spelt as in HOCON, {@code init_std}).
 * Switched-off auxiliary losses are written as {@code null}, which the reference also treats as off, so a config
 * reads back equal to the one written.
 *
 * @param model     the transformer
 * @param routing   router, k, capacity, auxiliary losses and router settings
 * @param vocabSize V
 * @param seed      the seed the model was initialised from
 * @param training  the training settings, when the model came from training
 */
public record NativeConfig(ModelConfig model, RoutingConfig routing, int vocabSize, long seed,
                           Optional<Training> training) {

    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The reference's training fields.
     *
     * @param steps       total optimizer steps ({@code total_steps})
     * @param batchSize   sequences per step
     * @param lr          peak learning rate
     * @param minLr       end of the cosine decay
     * @param warmupSteps linear warm-up steps
     * @param weightDecay decoupled weight decay
     * @param gradClip    global-norm clip; empty = none
     */
    public record Training(int steps, int batchSize, double lr, double minLr, int warmupSteps, double weightDecay,
                           Optional<Double> gradClip) {

        public static Training of(TrainConfig t) {
            return new Training(t.steps(), t.batchSize(), t.optimizer().lr(), t.optimizer().minLr(),
                    t.optimizer().warmupSteps(), t.optimizer().weightDecay(), t.optimizer().gradClip());
        }
    }

    /** The config of a model built from a run's configuration with vocabulary {@code vocab}. */
    public static NativeConfig of(SparkMoeConfig c, int vocab) {
        return new NativeConfig(c.model(), c.routing(), vocab, c.run().seed(), Optional.of(Training.of(c.train())));
    }

    /** Indices of the MoE layers. */
    public List<Integer> moeLayers() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < model.layers(); i++) {
            if (isMoe(i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** Whether block {@code i} is a MoE layer; a model with no experts has none. */
    public boolean isMoe(int i) {
        return model.moe().experts() > 0 && model.isMoeLayer(i);
    }

    /**
     * The routing for eval, score, generate and exports: the same router, dropless (MODEL.md "Capacity"), except
     * {@code expert-choice}, whose capacity factor is its selection rule (each expert takes its top C tokens), not a
     * limit that drops.
     */
    public RoutingConfig droplessRouting() {
        RoutingConfig r = routing;
        Capacity capacity = r.router().equals("expert-choice") ? r.capacity() : new Capacity.Dropless();
        return new RoutingConfig(r.router(), r.topK(), r.normalize(), capacity, r.dropPolicy(),
                r.zeroInit(), r.groupLimit(), r.aux(), r.sigmoid(), r.relu(), r.cosine());
    }

    /** This config as exports write it: dropless (MODEL.md: eval, score and exports run dropless), the rest as is. */
    public NativeConfig exported() {
        return new NativeConfig(model, droplessRouting(), vocabSize, seed, training);
    }

    /** The native {@code config.json}. */
    public ObjectNode toJson() {
        ModelConfig m = model;
        MoeConfig moe = m.moe();
        RoutingConfig r = routing;
        ObjectNode o = JSON.createObjectNode();
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", m.hiddenSize());
        o.put("num_hidden_layers", m.layers());
        o.put("num_attention_heads", m.heads());
        o.put("intermediate_size", moe.intermediateSize());
        o.put("dense_intermediate_size", m.denseIntermediateSize());
        o.put("num_experts", moe.experts());
        o.put("num_experts_per_tok", r.topK());
        o.put("router", r.router());
        o.put("normalize", r.normalize());
        o.put("routed_scaling_factor", r.sigmoid().scale());
        o.put("bias_update_rate", r.sigmoid().biasRate());
        o.put("moe_every", moe.every());
        o.put("first_dense_layers", moe.firstDenseLayers());
        if (moe.layerList().isPresent()) {
            moe.layerList().get().forEach(o.putArray("moe_layers")::add);
        } else {
            o.putNull("moe_layers");
        }
        o.put("n_shared_experts", moe.sharedExperts());
        o.put("shared_intermediate_size", moe.sharedIntermediateSize().orElse(0));
        o.put("shared_gate", moe.sharedGate());
        o.put("capacity_factor", r.capacity() instanceof Capacity.Factor f ? f.value() : 0.0);
        putCapacity(o, r.capacity());
        o.put("drop_policy", r.dropPolicy());
        o.put("rms_norm_eps", m.normEps());
        o.put("rope_theta", m.ropeBase());
        o.put("tie_word_embeddings", m.tieEmbeddings());
        putOptional(o, "router_aux_loss_coef", r.aux().loadBalance());
        putOptional(o, "router_z_loss_coef", r.aux().zLoss());
        putOptional(o, "router_locality_loss_coef", r.aux().locality());
        o.put("router_init_zero", r.zeroInit());
        if (r.groupLimit().isPresent()) {
            o.put("group_limit", r.groupLimit().get());
        } else {
            o.putNull("group_limit");
        }
        o.put("relu_l1_init", r.relu().l1Init());
        o.put("relu_l1_alpha", r.relu().l1Alpha());
        putOptional(o, "relu_target_sparsity", r.relu().targetSparsity());
        o.put("cosine_dim", r.cosine().dim());
        o.put("cosine_tau_init", r.cosine().tauInit());
        o.put("init_std", m.initStd());
        o.put("seed", seed);
        o.put("seq_len", m.seqLen());
        o.putNull("pad_token_id");
        training.ifPresent(t -> {
            o.put("lr", t.lr());
            o.put("min_lr", t.minLr());
            o.put("warmup_steps", t.warmupSteps());
            o.put("total_steps", t.steps());
            o.put("weight_decay", t.weightDecay());
            putOptional(o, "grad_clip", t.gradClip());
            o.put("batch_size", t.batchSize());
        });
        return o;
    }

    private static void putCapacity(ObjectNode o, Capacity c) {
        if (c instanceof Capacity.Factor f) {
            o.put("capacity", f.value());
        } else {
            o.put("capacity", c instanceof Capacity.Dropless ? Capacity.DROPLESS : Capacity.LOCMOE_MIN);
        }
    }

    private static void putOptional(ObjectNode o, String field, Optional<Double> v) {
        if (v.isPresent()) {
            o.put(field, v.get());
        } else {
            o.putNull(field);
        }
    }

    /** Reads a native {@code config.json} ({@code source} names it in errors). */
    public static NativeConfig fromJson(JsonNode json, String source) {
        JsonFields f = new JsonFields(json, source);
        int vocab = f.requiredInt("vocab_size");
        int d = f.requiredInt("hidden_size");
        int layers = f.requiredInt("num_hidden_layers");
        int heads = f.requiredInt("num_attention_heads");
        f.check(vocab >= 2, "vocab_size", "must be >= 2");
        f.check(layers >= 1, "num_hidden_layers", "must be >= 1");
        f.check(heads >= 1 && d % heads == 0 && (d / heads) % 2 == 0, "num_attention_heads",
                "must divide hidden_size (" + d + ") into an even head dimension");
        int experts = f.integer("num_experts", 8);
        f.check(experts >= 0, "num_experts", "must be >= 0 (0 = dense)");
        int every = f.integer("moe_every", 1);
        f.check(every >= 1, "moe_every", "must be >= 1");
        Optional<List<Integer>> layerList = f.intList("moe_layers");
        f.check(layerList.map(l -> l.stream().allMatch(i -> i >= 0 && i < layers)).orElse(true), "moe_layers",
                "must list layer indices in [0, " + layers + ")");
        if (experts == 0) {
            layerList = Optional.of(List.of());
        }
        int sharedSize = f.integer("shared_intermediate_size", 0);
        int shared = f.integer("n_shared_experts", 0);
        f.check(shared >= 0, "n_shared_experts", "must be >= 0");
        MoeConfig moe = new MoeConfig(experts, f.integer("intermediate_size", 512), every, layerList,
                f.integer("first_dense_layers", 0), shared, sharedSize > 0 ? Optional.of(sharedSize) : Optional.empty(),
                f.bool("shared_gate", false) && shared > 0);
        ModelConfig model = new ModelConfig(Optional.of(vocab), d, layers, heads, f.integer("seq_len", 256),
                f.number("rope_theta", 10000.0), f.number("rms_norm_eps", 1e-5), f.bool("tie_word_embeddings", false),
                f.integer("dense_intermediate_size", 1024), f.number("init_std", 0.02), moe);

        String router = f.string("router", "topk");
        f.check(RoutingConfig.ROUTERS.contains(router), "router", "must be one of " + RoutingConfig.ROUTERS);
        int k = f.integer("num_experts_per_tok", 2);
        f.check(k >= 1 && (experts == 0 || k <= experts), "num_experts_per_tok", "must be in [1, num_experts]");
        String dropPolicy = f.string("drop_policy", "position");
        f.check(RoutingConfig.DROP_POLICIES.contains(dropPolicy), "drop_policy", "must be one of "
                + RoutingConfig.DROP_POLICIES);
        Optional<Integer> groupLimit = f.has("group_limit") ? Optional.of(f.integer("group_limit", 1)) : Optional.empty();
        RoutingConfig routing = new RoutingConfig(router, k, f.bool("normalize", false), capacity(f, json),
                dropPolicy, f.bool("router_init_zero", false), groupLimit,
                new AuxLossConfig(json.has("router_aux_loss_coef") ? f.optionalNumber("router_aux_loss_coef")
                        : Optional.of(0.01), f.optionalNumber("router_z_loss_coef"),
                        f.optionalNumber("router_locality_loss_coef")),
                new SigmoidRouterConfig(f.number("bias_update_rate", 1e-3), f.number("routed_scaling_factor", 1.0)),
                new ReluRouterConfig(f.number("relu_l1_init", 1e-8), f.number("relu_l1_alpha", 1.2),
                        f.optionalNumber("relu_target_sparsity")),
                new CosineRouterConfig(f.integer("cosine_dim", 16), f.number("cosine_tau_init", 0.07)));
        Optional<Training> training = Optional.empty();
        if (f.has("total_steps") || f.has("lr")) {
            training = Optional.of(new Training(f.integer("total_steps", 1000), f.integer("batch_size", 8),
                    f.number("lr", 3e-4), f.number("min_lr", 3e-5), f.integer("warmup_steps", 10),
                    f.number("weight_decay", 0.1), json.has("grad_clip") ? f.optionalNumber("grad_clip")
                    : Optional.of(1.0)));
        }
        return new NativeConfig(model, routing, vocab, f.longInteger("seed", 1234), training);
    }

    private static Capacity capacity(JsonFields f, JsonNode json) {
        JsonNode c = json.get("capacity");
        if (c != null && c.isTextual()) {
            if (c.asText().equals(Capacity.DROPLESS)) {
                return new Capacity.Dropless();
            }
            f.check(c.asText().equals(Capacity.LOCMOE_MIN), "capacity", "must be dropless, locmoe-min or a factor > 0");
            return new Capacity.LocMoeMin();
        }
        double factor = f.number(c != null && c.isNumber() ? "capacity" : "capacity_factor", 0.0);
        f.check(factor >= 0 && Double.isFinite(factor), "capacity_factor", "must be >= 0 (0 = dropless)");
        return factor == 0 ? new Capacity.Dropless() : new Capacity.Factor(factor);
    }
}
