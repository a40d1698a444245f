package io.sparkmoe.model.io;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A file layout a model can be written in and read back from (MODEL.md "Export"): {@code native} (the reference's
 * names and config fields, any model), and the Hugging Face families {@code mixtral}, {@code qwen2-moe} and
 * {@code llama} for the models that fit them. Each public layout says why a model does not fit rather than
 * writing a directory its family would load with other logits. Reading maps a family's names and config back to the
 * native ones as the reference's {@code from_hf} does, so export → load gives the same model.
 */
public interface ExportLayout {

    /** The layouts in the order {@code auto} tries them (after {@code llama} for dense models). */
    List<ExportLayout> ALL = List.of(new NativeLayout(), new MixtralLayout(), new Qwen2MoeLayout(), new LlamaLayout());

    /** What {@code --layout} accepts. */
    List<String> NAMES = List.of("auto", "native", "mixtral", "qwen2-moe", "llama");

    /** The name on the command line: {@code native}, {@code mixtral}, {@code qwen2-moe}, {@code llama}. */
    String name();

    /** config.json's {@code model_type}, or empty for the native layout (which has none). */
    Optional<String> modelType();

    /** Why a model with this config cannot be written in this layout with the same logits; empty when it fits. */
    Optional<String> misfit(NativeConfig config);

    /** config.json and the tensors (native names in, this layout's names out); the model must fit. */
    LayoutFiles write(NativeConfig config, Map<String, INDArray> nativeTensors);

    /** Reads this layout's config.json as a native config. */
    NativeConfig readConfig(JsonNode json, String source);

    /** This layout's tensor name as the native name; empty for a tensor the native model does not have (a zero bias). */
    Optional<String> nativeName(String name);

    /**
     * config.json and the tensors of one layout.
     *
     * @param config  the config.json object
     * @param tensors tensors by this layout's names
     */
    record LayoutFiles(ObjectNode config, Map<String, INDArray> tensors) {
    }

    /** A layout by name ({@code auto} needs the model: see {@link #choose}). */
    static ExportLayout named(String name) {
        for (ExportLayout l : ALL) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown layout '" + name + "'; choose one of " + String.join(", ", NAMES));
    }

    /** {@code auto}: llama for a dense model, else mixtral, then qwen2-moe, when the model fits; native otherwise. */
    static ExportLayout auto(NativeConfig config) {
        for (String name : List.of("llama", "mixtral", "qwen2-moe")) {
            ExportLayout l = named(name);
            if (l.misfit(config).isEmpty()) {
                return l;
            }
        }
        return named("native");
    }

    /** The layout {@code name} ({@code auto} included) for this model. */
    static ExportLayout choose(String name, NativeConfig config) {
        return name.equals("auto") ? auto(config) : named(name);
    }

    /** The layout of a config.json: by its {@code model_type}, native when it has none. */
    static ExportLayout ofConfig(JsonNode json, String source) {
        JsonNode type = json.get("model_type");
        if (type == null || type.isNull()) {
            return named("native");
        }
        for (ExportLayout l : ALL) {
            if (l.modelType().map(t -> t.equals(type.asText())).orElse(false)) {
                return l;
            }
        }
        throw new ModelFileException(source + ": model_type " + type + " is not a layout we read (native has no"
                + " model_type; mixtral, qwen2_moe and llama are the public ones)");
    }
}
