package io.sparkmoe.jobs.model;

import java.io.PrintStream;
import java.io.IOException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.DataException;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.inference.HeldOutEvaluation;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.TextFiles;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.io.LoadedModel;

/**
 * {@code sparkmoe eval}: cross-entropy and perplexity of a model on the whole validation split of the prepared data
 * (every token once, in consecutive windows of the model's seq_len), dropless.
 */
public final class EvalCommand implements Command {

    public static final String FILE = "eval.json";
    static final String SPLIT = "val";

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "validation cross-entropy and perplexity of a model on the prepared data";
    }

    @Override
    public String description() {
        return """
                Loads the model directory and the shards that prepare wrote to data.output, checks that they share
                the tokenizer, and computes the mean next-token cross-entropy (auxiliary losses excluded) over the
                validation split cut into consecutive windows of the model's seq_len, in batches of
                train.batch-size. Prints it with the perplexity and writes them as JSON to --out (default
                <model>/eval.json).
                """ + ModelCommands.NO_SPARK;
    }

    @Override
    public List<CommandOption> options() {
        return List.of(ModelCommands.MODEL,
                new CommandOption("max-windows", "N", "evaluate only the first N windows; 0 = all (default)"),
                new CommandOption("out", "FILE", "where to write the JSON (default <model>/" + FILE + ")"));
    }

    @Override
    public int run(Invocation inv) throws Exception {
        LoadedModel m = ModelCommands.load(inv);
        Path out = Path.of(inv.option("out").orElse(m.dir().resolve(FILE).toString()));
        evaluate(inv.config().config(), m, inv.intOption("max-windows", 0), out, inv.out());
        return 0;
    }

    /**
     * Evaluates a loaded model on the validation split of {@code data.output} (checking that both share the tokenizer),
     * writes the JSON report to {@code out} and prints the result (also the demo's evaluation step).
     */
    public static HeldOutEvaluation.Result evaluate(SparkMoeConfig config, LoadedModel m, int maxWindows, Path out,
                                                    PrintStream print) throws IOException {
        ShardSet data = TrainCommand.open(config);
        int prepared = data.manifest().vocabSize();
        if (prepared != m.config().vocabSize()) {
            throw new DataException("the prepared data in " + config.data().output() + " has vocab_size " + prepared
                    + ", the model " + m.config().vocabSize() + ": it was prepared with another tokenizer");
        }
        if (m.tokenizer().isPresent()) {
            byte[] dataTokenizer = HadoopFiles.readAll(data.tokenizerPath().getFileSystem(
                    TrainCommand.hadoopConf(config.cluster().spark())), data.tokenizerPath());
            if (!Arrays.equals(dataTokenizer, m.tokenizer().get())) {
                throw new DataException(data.tokenizerPath() + " differs from the model's tokenizer.json in " + m.dir()
                        + ": the data was prepared with another tokenizer");
            }
        }
        List<int[]> val = data.loadAll(SPLIT, null);
        if (val.isEmpty()) {
            throw new DataException(config.data().output() + ": the prepared data has no validation shards");
        }
        int seqLen = m.config().model().seqLen();
        HeldOutEvaluation.Result r = HeldOutEvaluation.run(m.model(), val, seqLen, config.train().batchSize(),
                maxWindows);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", m.dir().toString());
        json.put("layout", m.layout().name());
        json.put("data", config.data().output());
        json.put("split", SPLIT);
        json.put("seq_len", seqLen);
        json.put("windows", r.windows());
        json.put("targets", r.targets());
        json.put("loss", r.loss());
        json.put("perplexity", r.perplexity());
        json.put("dropless", true);
        TextFiles.writeAtomically(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json) + "\n");
        print.printf("validation loss %.4f, perplexity %.2f over %d tokens (%d windows of %d)%n", r.loss(),
                r.perplexity(), r.targets(), r.windows(), seqLen);
        print.println("wrote " + out);
        return r;
    }
}
