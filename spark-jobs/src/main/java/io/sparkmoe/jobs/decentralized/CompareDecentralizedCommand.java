package io.sparkmoe.jobs.decentralized;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.conf.TrainConfig;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.inference.EnsembleEvaluation;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.MoeTransformer;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.NativeConfig;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.TrainResult;
import io.sparkmoe.train.Trainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code sparkmoe compare-decentralized}: the decentralized experts against one dense model of the same architecture
 * trained on all clusters' data with the same total training compute. Training FLOPs are counted as
 * {@code 6 · N · D} (N = the model's parameters, D = tokens trained on, {@code steps · batch · seq_len}); the
 * experts and the baseline have the same N, so equal compute is equal tokens: the baseline takes
 * {@code Σ_j steps_j} steps of the same batch. Both are evaluated on every cluster's validation windows on the
 * tokens after the router's prefix, as {@code eval-ensemble} does, and the table goes to {@code <run>/comparison.md}
 * and {@code <run>/comparison.json}.
 */
public final class CompareDecentralizedCommand implements Command {

    public static final String BASELINE = "baseline-dense";
    public static final String TABLE = "comparison.md";
    public static final String REPORT = "comparison.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "compare-decentralized";
    }

    @Override
    public String summary() {
        return "decentralized experts vs a dense model at equal training FLOPs: perplexity, routers, wall time";
    }

    @Override
    public String description() {
        return """
                Needs a train-decentralized run (--run). Trains the learned router if the run has none
                (train-router), then one dense model of the experts' architecture on every cluster's training
                shards for as many steps as all experts together (same batch and seq_len, so the same tokens and,
                at 6 * params * tokens, the same FLOPs), in this JVM, into <run>/baseline-dense/ (kept if complete).
                Evaluates the baseline and the ensemble (top-1, top-2, all; learned and centroid routers) on every
                cluster's validation windows after router.prefix-tokens, and writes <run>/comparison.md and
                <run>/comparison.json: perplexities, router accuracies, the experts' wall time (first start to
                last end) concurrent and, with --sequential-run (a run trained with train-decentralized
                --sequential), one at a time, and the bytes the experts exchanged (0).""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("run", "DIR", "the train-decentralized run directory (required)"),
                new CommandOption("sequential-run", "DIR", "the same experts trained with --sequential, for wall time"),
                new CommandOption("max-windows", "N", "evaluate at most N windows per cluster; 0 = all (default)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        Path run = Path.of(inv.requiredOption("run", "DIR"));
        compare(inv.config().config(), run, inv.option("sequential-run").map(Path::of), inv.intOption("max-windows", 0),
                inv.out());
        return 0;
    }

    /** Runs the comparison and returns the JSON report it wrote. */
    public static Map<String, Object> compare(SparkMoeConfig config, Path run, Optional<Path> sequentialRun,
                                              int maxWindows, PrintStream out) throws IOException {
        int k = TrainDecentralizedCommand.clusterCount(config);
        List<JsonNode> experts = reports(run, k);
        TrainRouterCommand.train(config, run, out);
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        ShardSet data = ShardSet.open(hadoop, TrainDecentralizedCommand.clustersDir(config));
        int expertSteps = experts.stream().mapToInt(r -> r.path("steps").asInt()).sum();
        long expertTokens = experts.stream().mapToLong(r -> r.path("tokens").asLong()).sum();
        JsonNode baseline = baseline(config, data, run, expertSteps, out);

        LoadedModel dense = NativeModel.load(run.resolve(BASELINE));
        long params = parameters(dense.model().parameters());
        List<List<int[]>> val = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            val.add(data.loadAll("val", c));
        }
        int seqLen = dense.config().model().seqLen();
        int prefix = config.data().clusters().router().prefixTokens();
        EnsembleEvaluation.Result denseEval = EnsembleEvaluation.run(List.of(dense.model()), val, seqLen, prefix,
                p -> new double[]{1}, config.train().batchSize(), maxWindows);
        EnsembleEvaluation.Result centroid = EvalEnsembleCommand.evaluate(config, run, "centroid", maxWindows, out);
        EnsembleEvaluation.Result learned = EvalEnsembleCommand.evaluate(config, run, "learned", maxWindows, out);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("flop_formula", "6 * parameters * tokens");
        report.put("parameters_per_model", params);
        report.put("prefix_tokens", prefix);
        report.put("windows", denseEval.sequences());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("steps", baseline.path("steps").asInt());
        d.put("tokens", baseline.path("tokens").asLong());
        d.put("train_flops", 6.0 * params * baseline.path("tokens").asLong());
        d.put("seconds", baseline.path("seconds").asDouble());
        d.put("val_loss", denseEval.modeLoss().get("top-1"));
        d.put("val_ppl", Math.exp(denseEval.modeLoss().get("top-1")));
        d.put("cluster_ppl", perplexities(denseEval.expertLoss()[0]));
        report.put("dense", d);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("experts", k);
        e.put("steps", expertSteps);
        e.put("tokens", expertTokens);
        e.put("train_flops", 6.0 * params * expertTokens);
        double[] own = new double[k];
        for (int c = 0; c < k; c++) {
            own[c] = learned.expertLoss()[c][c];
        }
        e.put("own_cluster_ppl", perplexities(own));
        e.put("learned", modes(learned));
        e.put("centroid", modes(centroid));
        e.put("bytes_exchanged", experts.stream().mapToLong(r -> r.path("bytes_exchanged").asLong()).sum());
        e.put("wall_seconds_concurrent", wallSeconds(experts));
        e.put("expert_seconds", experts.stream().mapToDouble(r -> r.path("seconds").asDouble()).sum());
        if (sequentialRun.isPresent()) {
            e.put("wall_seconds_sequential", wallSeconds(reports(sequentialRun.get(), k)));
        }
        report.put("ensemble", e);
        String table = table(report, k);
        FileSystem local = FileSystem.getLocal(new Configuration());
        HadoopFiles.writeAtomically(local, new org.apache.hadoop.fs.Path(run.resolve(REPORT).toAbsolutePath().toUri()),
                (JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report) + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        HadoopFiles.writeAtomically(local, new org.apache.hadoop.fs.Path(run.resolve(TABLE).toAbsolutePath().toUri()),
                table.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (MetricsWriter metrics = MetricsWriter.continuing(run.resolve(MetricsWriter.FILE), 0)) {
            // the dense model as notebooks/README.md expects it beside the ensemble's combinations
            Map<String, Object> denseEvent = new LinkedHashMap<>();
            denseEvent.put("kind", "combination");
            denseEvent.put("router", null);
            denseEvent.put("mode", "dense");
            denseEvent.put("val_loss", d.get("val_loss"));
            denseEvent.put("val_ppl", d.get("val_ppl"));
            metrics.write("ensemble", 0, denseEvent);
            metrics.write("comparison", 0, report);
        }
        out.print(table);
        return report;
    }

    /** Every expert's {@code expert.json}; a missing expert is an error saying how to finish the run. */
    private static List<JsonNode> reports(Path run, int k) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            if (!ExpertLayout.complete(run, j)) {
                throw new FileNotFoundException(ExpertLayout.dir(run, j) + " is missing or incomplete: run"
                        + " train-decentralized with run.name of this run first");
            }
            out.add(JSON.readTree(ExpertLayout.dir(run, j).resolve(ExpertLayout.REPORT).toFile()));
        }
        return out;
    }

    /** From the first expert's start to the last one's end. */
    static double wallSeconds(List<JsonNode> experts) {
        long start = experts.stream().mapToLong(r -> r.path("started_ms").asLong()).min().orElseThrow();
        long end = experts.stream().mapToLong(r -> r.path("finished_ms").asLong()).max().orElseThrow();
        return (end - start) / 1000.0;
    }

    /**
     * Trains (unless complete) the dense baseline: the experts' model on every cluster's shards for {@code steps}
     * steps, written whole to {@code <run>/baseline-dense/} with its {@code baseline.json}; returns that report.
     */
    static JsonNode baseline(SparkMoeConfig config, ShardSet data, Path run, int steps, PrintStream out)
            throws IOException {
        Path target = run.resolve(BASELINE);
        Path report = target.resolve("baseline.json");
        if (Files.isRegularFile(report)) {
            out.println("dense baseline: complete in " + target + ", skipped");
            return JSON.readTree(report.toFile());
        }
        TrainConfig t = config.train();
        SparkMoeConfig dense = DenseExpert.of(new SparkMoeConfig(config.preset(), config.data(), config.model(),
                config.routing(), new TrainConfig(steps, t.batchSize(), t.evalEvery(), t.evalBatches(), t.logEvery(),
                t.checkpoint(), t.optimizer(), t.averaging()), config.cluster(), config.run()));
        List<int[]> train = new ArrayList<>();
        List<int[]> val = new ArrayList<>();
        int k = config.data().clusters().count().orElseThrow();
        for (int c = 0; c < k; c++) {
            train.addAll(data.loadAll(Trainer.TRAIN_SPLIT, c));
            val.addAll(data.loadAll(Trainer.VAL_SPLIT, c));
        }
        Path tmp = target.resolveSibling("." + BASELINE + ".partial");
        ExpertTask.delete(tmp);
        Files.createDirectories(run);
        Trainer trainer = new Trainer(dense, data.manifest(), train, val, null);
        Path metricsTmp = run.resolve("." + BASELINE + ".metrics.jsonl");
        TrainResult r;
        try (MetricsWriter metrics = new MetricsWriter(metricsTmp)) {
            r = trainer.run(metrics);
        }
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        byte[] tokenizer = HadoopFiles.readAll(data.tokenizerPath().getFileSystem(hadoop), data.tokenizerPath());
        NativeModel.save(tmp, trainer.model(), NativeConfig.of(dense, data.manifest().vocabSize()), tokenizer);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("steps", r.losses().length);
        fields.put("tokens", r.tokens());
        fields.put("seconds", r.seconds());
        fields.put("first_loss", r.firstLoss());
        fields.put("last_loss", r.lastLoss());
        fields.put("val_loss", r.finalEvaluation().loss());
        Files.move(metricsTmp, tmp.resolve(MetricsWriter.FILE));
        Files.writeString(tmp.resolve("baseline.json"), JSON.writeValueAsString(fields) + "\n");
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        out.printf("dense baseline: %d steps, %d tokens, validation loss %.4f, %.1f s%n", r.losses().length, r.tokens(),
                r.finalEvaluation().loss(), r.seconds());
        return JSON.readTree(report.toFile());
    }

    private static long parameters(Parameters p) {
        long n = 0;
        for (String name : p.names()) {
            n += p.value(name).length();
        }
        return n;
    }

    private static double[] perplexities(double[] losses) {
        double[] out = new double[losses.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(losses[i]);
        }
        return out;
    }

    private static Map<String, Object> modes(EnsembleEvaluation.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", r.accuracy());
        r.modeLoss().forEach((mode, loss) -> m.put(mode + "_ppl", Math.exp(loss)));
        return m;
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> report, int k) {
        Map<String, Object> d = (Map<String, Object>) report.get("dense");
        Map<String, Object> e = (Map<String, Object>) report.get("ensemble");
        Map<String, Object> learned = (Map<String, Object>) e.get("learned");
        Map<String, Object> centroid = (Map<String, Object>) e.get("centroid");
        StringBuilder s = new StringBuilder();
        s.append(String.format("Validation perplexity after a %d-token prefix, %d windows; training FLOPs = 6 x %d"
                + " parameters x tokens%n%n", report.get("prefix_tokens"), report.get("windows"), report.get("parameters_per_model")));
        s.append("| model | training tokens | training FLOPs | perplexity |\n|---|---|---|---|\n");
        s.append(String.format("| dense, all clusters | %d | %.3g | %.2f |%n", d.get("tokens"), d.get("train_flops"), d.get("val_ppl")));
        for (String mode : List.of("top-1", "top-2", "all")) {
            for (String router : List.of("learned", "centroid")) {
                Map<String, Object> r = router.equals("learned") ? learned : centroid;
                s.append(String.format("| %d experts, %s, %s router | %d | %.3g | %.2f |%n", k, mode, router,
                        e.get("tokens"), e.get("train_flops"), r.get(mode + "_ppl")));
            }
        }
        double[] dense = (double[]) d.get("cluster_ppl");
        double[] own = (double[]) e.get("own_cluster_ppl");
        s.append("\n| cluster | dense | its own expert |\n|---|---|---|\n");
        for (int c = 0; c < k; c++) {
            s.append(String.format("| %d | %.2f | %.2f |%n", c, dense[c], own[c]));
        }
        s.append(String.format("%n| | |%n|---|---|%n| router accuracy, learned | %.3f |%n| router accuracy, centroid | %.3f |%n",
                learned.get("accuracy"), centroid.get("accuracy")));
        s.append(String.format("| experts' wall time, concurrent (FAIR pools) | %.1f s |%n", e.get("wall_seconds_concurrent")));
        s.append(e.containsKey("wall_seconds_sequential")
                ? String.format("| experts' wall time, one at a time (FIFO) | %.1f s |%n", e.get("wall_seconds_sequential"))
                : "| experts' wall time, one at a time (FIFO) | not measured (--sequential-run) |\n");
        s.append(String.format("| dense baseline's training time (one JVM) | %.1f s |%n", d.get("seconds")));
        s.append(String.format("| bytes exchanged between experts | %d |%n", e.get("bytes_exchanged")));
        return s.toString();
    }
}
