package io.sparkmoe.jobs.model;

import java.nio.file.Path;

import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.ModelFileException;
import io.sparkmoe.model.io.NativeModel;

/** What the model commands share: the {@code --model DIR} option, its tokenizer, and atomic output files. */
final class ModelCommands {

    static final CommandOption MODEL = new CommandOption("model", "DIR",
            "model directory: config.json + model.safetensors (+ tokenizer.json), native or Mixtral/Qwen2-MoE/Llama");

    /** Said in every model command's help. */
    static final String NO_SPARK = "Runs in this JVM without starting Spark (dropless, routers in evaluation mode).";

    private ModelCommands() {
    }

    /** The model of {@code --model}; a missing or broken directory fails naming the file. */
    static LoadedModel load(Invocation inv) {
        return NativeModel.load(Path.of(inv.requiredOption(MODEL.name(), "DIR")));
    }

    /** The model directory's tokenizer, or an error saying that it has none. */
    static Tokenizer tokenizer(LoadedModel m) {
        Path file = m.dir().resolve(NativeModel.TOKENIZER);
        byte[] bytes = m.tokenizer().orElseThrow(() -> new ModelFileException(file
                + ": missing; text needs the tokenizer the model was trained with (prepare writes it next to the shards)"));
        Tokenizer t = TokenizerJson.read(bytes, file.toString());
        if (t.vocabSize() != m.config().vocabSize()) {
            throw new ModelFileException(file + ": " + t.vocabSize() + " tokens, but config.json has vocab_size "
                    + m.config().vocabSize());
        }
        return t;
    }
}
