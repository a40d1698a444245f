package io.sparkmoe.model.io;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.AuxLossConfig;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.CosineRouterConfig;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.ReluRouterConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.conf.SigmoidRouterConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the three Hugging Face layouts share: the config fields every family reads (written explicitly, since the
 * families' defaults differ: Mixtral's RoPE base defaults to 1e6, Qwen2-MoE's and Llama's norm epsilon to 1e-6), the
 * checks the reference's {@code from_hf} makes when reading one (no grouped-query attention, default RoPE, SiLU, no
 * sliding window), and the renaming of their tensor names to native ones.
 */
abstract class HfLayout implements ExportLayout {

    private static final Pattern MLP_MOE = Pattern.compile("\\.mlp\\.(gate\\.weight|experts\\.|shared_expert\\.|shared_expert_gate\\.)");

    private final String name;
    private final String modelType;
    private final String architecture;

    HfLayout(String name, String modelType, String architecture) {
        this.name = name;
        this.modelType = modelType;
        this.architecture = architecture;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<String> modelType() {
        return Optional.of(modelType);
    }

    /** This family's own config fields (experts, sizes). */
    abstract void putFamilyConfig(ObjectNode o, NativeConfig c);

    /** This layout's name of a native tensor: the same by default (Mixtral and Llama use the native names). */
    String layoutName(String nativeName) {
        return nativeName;
    }

    /** Tensors the family has and the native model has not (zero biases, a zero shared expert). */
    void addMissing(NativeConfig c, Map<String, INDArray> out) {
    }

    @Override
    public LayoutFiles write(NativeConfig c, Map<String, INDArray> nativeTensors) {
        misfit(c).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        ObjectNode o = NativeConfig.JSON.createObjectNode();
        o.put("model_type", modelType);
        o.putArray("architectures").add(architecture);
        ModelConfig m = c.model();
        o.put("vocab_size", c.vocabSize());
        o.put("hidden_size", m.hiddenSize());
        o.put("num_hidden_layers", m.layers());
        o.put("num_attention_heads", m.heads());
        o.put("num_key_value_heads", m.heads());
        o.put("head_dim", m.headDim());
        o.put("hidden_act", "silu");
        o.put("rope_theta", m.ropeBase());
        o.putNull("rope_scaling");
        o.put("rms_norm_eps", m.normEps());
        o.put("tie_word_embeddings", m.tieEmbeddings());
        o.putNull("sliding_window");
        o.put("use_sliding_window", false);
        o.put("max_position_embeddings", m.seqLen());
        o.put("attention_dropout", 0.0);
        o.put("initializer_range", m.initStd());
        o.put("torch_dtype", "float32");
        putFamilyConfig(o, c);
        Map<String, INDArray> out = new TreeMap<>();
        nativeTensors.forEach((n, t) -> out.put(layoutName(n), t));
        addMissing(c, out);
        return new LayoutFiles(o, out);
    }

    /**
     * The fields every family has, with the reference's checks; {@code moe} and {@code routing} come from the
     * family. {@code defaultTheta} and {@code defaultEps} are the family's class defaults for an absent field.
     */
    static NativeConfig read(JsonFields f, double defaultTheta, double defaultEps, int denseSize, MoeConfig moe,
                             RoutingConfig routing) {
        int d = f.requiredInt("hidden_size");
        int heads = f.requiredInt("num_attention_heads");
        f.check(heads >= 1 && d % heads == 0 && (d / heads) % 2 == 0, "num_attention_heads",
                "must divide hidden_size (" + d + ") into an even head dimension");
        f.check(f.integer("num_key_value_heads", heads) == heads, "num_key_value_heads",
                "must equal num_attention_heads (grouped-query attention is not in MODEL.md)");
        f.check(!f.has("head_dim") || f.integer("head_dim", 0) == d / heads, "head_dim",
                "must be hidden_size / num_attention_heads = " + d / heads);
        f.check(f.string("hidden_act", "silu").equals("silu"), "hidden_act", "must be silu");
        f.check(!f.has("rope_scaling"), "rope_scaling", "must be null (only default RoPE is in MODEL.md)");
        f.check(!f.bool("use_sliding_window", false), "use_sliding_window", "must be false");
        int vocab = f.requiredInt("vocab_size");
        ModelConfig model = new ModelConfig(Optional.of(vocab), d, f.requiredInt("num_hidden_layers"), heads,
                f.integer("max_position_embeddings", 256), f.number("rope_theta", defaultTheta),
                f.number("rms_norm_eps", defaultEps), f.bool("tie_word_embeddings", false), denseSize,
                f.number("initializer_range", 0.02), moe);
        return new NativeConfig(model, routing, vocab, 1234, Optional.empty());
    }

    /** The families' router: softmax top-k, optionally renormalised, dropless, no auxiliary loss at inference. */
    static RoutingConfig topK(int k, boolean normalize) {
        return new RoutingConfig("topk", k, normalize, new Capacity.Dropless(), "position", false, Optional.empty(),
                new AuxLossConfig(Optional.empty(), Optional.empty(), Optional.empty()),
                new SigmoidRouterConfig(1e-3, 1.0), new ReluRouterConfig(1e-8, 1.2, Optional.empty()),
                new CosineRouterConfig(16, 0.07));
    }

    /**
     * As the reference's {@code from_hf}: {@code .mlp.gate.weight}, {@code .mlp.experts.}, {@code .mlp.shared_expert.}
     * and {@code .mlp.shared_expert_gate.} move under {@code .block_sparse_moe.} (one shared expert becomes
     * {@code shared_experts.0}), where {@code gate_proj / up_proj / down_proj} become {@code w1 / w3 / w2};
     * projection biases have no native name (the loader requires them to be zero).
     */
    @Override
    public Optional<String> nativeName(String n) {
        if (n.endsWith("_proj.bias")) {
            return Optional.empty();
        }
        n = MLP_MOE.matcher(n).replaceAll(".block_sparse_moe.$1").replace(".shared_expert.", ".shared_experts.0.");
        if (n.contains(".block_sparse_moe.")) {
            n = n.replace("gate_proj", "w1").replace("up_proj", "w3").replace("down_proj", "w2");
        }
        return Optional.of(n);
    }
}
