package io.sparkmoe.jobs.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Optional;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.ResolvedConfig;
import io.sparkmoe.conf.RunConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.data.shards.UnigramEntropy;
import io.sparkmoe.inference.HeldOutEvaluation;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.model.EvalCommand;
import io.sparkmoe.jobs.prepare.PrepareCommand;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.io.ExportLayout;
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.train.MetricsWriter;

/**
 * {@code sparkmoe demo}, the README's main job: the whole path on the embedded default corpus in one run directory —
 * prepare the shards (Spark), train the {@code tiny} MoE (one JVM), evaluate it on the validation split, export it
 * (the public layout it fits, else native), and summarise. Each step is the same code as its own command, so the demo
 * shows what the commands do rather than a special path. The run directory is self-contained (its {@code data/}
 * included), so the notebooks open it as it is.
 */
public final class DemoCommand implements Command {

    static final String DATA = "data";
    static final String EXPORT = "export";
    static final String SUMMARY = "summary.json";
    private static final String TRAIN_SPLIT = "train";

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "prepare the embedded corpus, train the tiny MoE, evaluate, export and summarise (the main job)";
    }

    @Override
    public String description() {
        return """
                Runs the whole path in one run directory <run.dir>/<run.name> (run.name defaults to demo-<time>):
                prepare writes the shards to its data/ (data.output is set to that), train trains the configured
                model (the tiny preset unless you choose another) and saves model/, eval writes eval.json on the
                validation split, export writes export/ in the Hugging Face layout the model fits (else the
                native one), and summary.json holds the loss curve's start and end, validation loss and perplexity
                against the corpus's unigram entropy, and each MoE layer's expert load. Any key can be
                overridden as for the single commands, e.g. train.steps=100 or preset=small.""";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        ResolvedConfig resolved = selfContained(inv.config());
        SparkMoeConfig config = resolved.config();
        RunDirectory runDir = RunDirectory.create(name(), resolved);
        long start = System.nanoTime();

        inv.out().println("== 1/4 prepare: the embedded corpus -> " + config.data().output());
        PrepareCommand.prepare(config, inv.out());
        ShardSet data = TrainCommand.open(config);

        inv.out().println("== 2/4 train: " + config.train().steps() + " steps of the " + describe(config));
        TrainCommand.train(config, data, runDir, Optional.empty(), inv.out());

        inv.out().println("== 3/4 eval: the validation split, dropless");
        LoadedModel model = NativeModel.load(runDir.path().resolve(TrainCommand.MODEL_DIR));
        HeldOutEvaluation.Result eval = EvalCommand.evaluate(config, model, 0,
                runDir.path().resolve(EvalCommand.FILE), inv.out());

        ExportLayout layout = ExportLayout.choose("auto", model.config());
        inv.out().println("== 4/4 export: " + layout.name() + " layout -> " + runDir.path().resolve(EXPORT));
        NativeModel.export(runDir.path().resolve(EXPORT), model.model(), model.config(), model.tokenizer().orElse(null),
                layout);

        double unigram = UnigramEntropy.of(data.loadAll(TRAIN_SPLIT, null), data.manifest().vocabSize());
        DemoSummary summary = DemoSummary.of(runDir.path().resolve(MetricsWriter.FILE), eval.loss(), unigram);
        runDir.writeAtomically(SUMMARY, summary.toJson());
        inv.out().println("== summary");
        summary.lines().forEach(inv.out()::println);
        inv.out().printf("done in %.0f s; run directory %s (summary.json, metrics.jsonl, model/, export/, data/)%n",
                (System.nanoTime() - start) / 1e9, runDir.path());
        // Absolute: a notebook's kernel runs in notebooks/, not where Jupyter was started.
        inv.out().println("analyse it: SPARKMOE_RUNS=" + runDir.path().toAbsolutePath() + " jupyter notebook notebooks/");
        return 0;
    }

    /** The configuration with a run name fixed now and {@code data.output} inside the run directory. */
    static ResolvedConfig selfContained(ResolvedConfig config) throws IOException {
        RunConfig run = config.config().run();
        String name = run.name().orElse("demo-" + LocalDateTime.now().format(RunDirectory.STAMP));
        Path dir = Path.of(run.dir()).resolve(name).toAbsolutePath();
        if (Files.exists(dir)) {
            throw new IOException("run directory " + dir + " already exists: choose another run.name or remove it");
        }
        String overrides = "\nrun.name = " + quote(name) + "\ndata.output = " + quote(dir.resolve(DATA).toUri().toString())
                + "\n";
        return ConfigLoader.parse(config.render() + overrides, "the demo's run directory");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String describe(SparkMoeConfig c) {
        return String.format("model d=%d, %d layers, %d experts (top-%d, %s), T=%d, batch %d",
                c.model().hiddenSize(), c.model().layers(), c.model().moe().experts(), c.routing().topK(),
                c.routing().router(), c.model().seqLen(), c.train().batchSize());
    }
}
