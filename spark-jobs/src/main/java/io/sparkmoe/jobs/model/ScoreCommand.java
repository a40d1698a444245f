package io.sparkmoe.jobs.model;

import java.nio.file.Path;
import java.util.List;

import io.sparkmoe.inference.Logits;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.TextFiles;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.model.io.LoadedModel;

/**
 * {@code sparkmoe score}: the logits of one token sequence as the PyTorch reference's {@code logits} command prints
 * them, {@code {"tokens": [...], "logits": [[V floats] per token]}}, so the two can be compared number by number.
 */
public final class ScoreCommand implements Command {

    @Override
    public String name() {
        return "score";
    }

    @Override
    public String summary() {
        return "logits of a token sequence, as JSON (same format as the PyTorch reference)";
    }

    @Override
    public String description() {
        return """
                Loads the model directory and prints {"tokens": [...], "logits": [[...], ...]}: one row of
                vocab_size logits per position, the JSON of torch_reference.py logits --model DIR --tokens ...
                Each logit is the model's float32 value written as Python writes it (the shortest decimal that reads back
                to it exactly, Python's notation), so the text matches the reference's, not only the values.
                """ + ModelCommands.NO_SPARK;
    }

    @Override
    public List<CommandOption> options() {
        return List.of(ModelCommands.MODEL,
                new CommandOption("tokens", "IDS", "comma-separated token ids, e.g. 1,2,3"),
                new CommandOption("out", "FILE", "write the JSON to FILE instead of standard output"));
    }

    @Override
    public int run(Invocation inv) throws Exception {
        int[] tokens = parseTokens(inv.requiredOption("tokens", "IDS"));
        LoadedModel m = ModelCommands.load(inv);
        String json;
        try {
            json = toJson(tokens, Logits.of(m.model(), m.config().vocabSize(), tokens));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tokens: " + e.getMessage());
        }
        if (inv.option("out").isPresent()) {
            TextFiles.writeAtomically(Path.of(inv.option("out").get()), json + "\n");
        } else {
            inv.out().println(json);
        }
        return 0;
    }

    static int[] parseTokens(String text) {
        String[] parts = text.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--tokens expects comma-separated integers, got '" + parts[i] + "' in '"
                        + text + "'");
            }
        }
        return ids;
    }

    /**
     * The reference's text: Python's json.dumps separators and float notation; float32 values widened to double, as
     * torch's tolist widens them.
     */
    static String toJson(int[] tokens, double[][] logits) {
        StringBuilder sb = new StringBuilder("{\"tokens\": [");
        for (int i = 0; i < tokens.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(tokens[i]);
        }
        sb.append("], \"logits\": [");
        for (int t = 0; t < logits.length; t++) {
            sb.append(t == 0 ? "[" : ", [");
            for (int v = 0; v < logits[t].length; v++) {
                sb.append(v == 0 ? "" : ", ").append(PythonFloat.repr((float) logits[t][v]));
            }
            sb.append(']');
        }
        return sb.append("]}").toString();
    }
}
