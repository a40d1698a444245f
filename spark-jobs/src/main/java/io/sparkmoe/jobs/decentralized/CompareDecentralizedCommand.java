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
import io.sparkmoe.model.io.LoadedModel;
import io.sparkmoe.model.io.NativeConfig;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.TrainResult;
import io.sparkmoe.train.Trainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code sparkmoe compare-decentralized}: the decentralized experts against one dense model of the same architecture
 * trained on all clusters' data with the same total training compute. Training FLOPs are counted as
 * {@code 6 · N · D} (N = the model's parameters, D = tokens trained on, {@code steps · batch · seq_len}); the
 * experts and the baseline have the same N, so equal compute is equal tokens: the baseline takes
 * {@code Σ_j steps_j} steps of the same batch. Unless told not to, it also trains the {@link SynchronousMoe}: one
 * model with K routed experts per layer on all the data, its steps chosen so that {@code 6 · active parameters ·
 * tokens} matches the experts' total (the synchronous expert-parallel step reproduces this single-JVM training, see
 * docs/expert-parallel.md). All are evaluated on every cluster's validation windows on the tokens after the router's
 * prefix, as {@code eval-ensemble} does (the models dropless, routers in evaluation mode), and the table goes to
 * {@code <run>/comparison.md} and {@code <run>/comparison.json}.
 */
public final class CompareDecentralizedCommand implements Command {

    public static final String BASELINE = "baseline-dense";
    public static final String BASELINE_MOE = "baseline-moe";
    public static final String TABLE = "comparison.md";
    public static final String REPORT = "comparison.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "compare-decentralized";
    }

    @Override
    public String summary() {
        return "decentralized experts vs a dense model and a synchronous MoE at equal training FLOPs";
    }

    @Override
    public String description() {
        return """
                Needs a train-decentralized run (--run). Trains the learned router if the run has none
                (train-router), then one dense model of the experts' architecture on every cluster's training
                shards for as many steps as all experts together (same batch and seq_len, so the same tokens and,
                at 6 * params * tokens, the same FLOPs), in this JVM, into <run>/baseline-dense/ (kept if complete).
                Unless --no-moe, also the synchronous MoE: the same model with every feed-forward block an MoE layer
                of K experts (K = data.clusters.count, each of model.dense-intermediate-size, routed as the routing
                section says, by default top-k k=2) for the steps that make 6 * active params * tokens equal (active:
                k of the K experts), into <run>/baseline-moe/. Evaluates both models (dropless) and the ensemble
                (top-1, top-2, all; learned and centroid routers) on every cluster's validation windows after
                router.prefix-tokens, and writes <run>/comparison.md and
                <run>/comparison.json: perplexities, router accuracies, the experts' wall time (first start to
                last end) concurrent and, with --sequential-run (a run trained with train-decentralized
                --sequential), one at a time, and the bytes the experts exchanged (0).""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("run", "DIR", "the train-decentralized run directory (required)"),
                new CommandOption("sequential-run", "DIR", "the same experts trained with --sequential, for wall time"),
                new CommandOption("max-windows", "N", "evaluate at most N windows per cluster; 0 = all (default)"),
                new CommandOption("no-moe", null, "leave out the synchronous MoE (train and compare the dense model only)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        Path run = Path.of(inv.requiredOption("run", "DIR"));
        compare(inv.config().config(), run, inv.option("sequential-run").map(Path::of), inv.intOption("max-windows", 0),
                !inv.flag("no-moe"), inv.out());
        return 0;
    }

    /** Runs the comparison ({@code withMoe}: the synchronous MoE too) and returns the JSON report it wrote. */
    public static Map<String, Object> compare(SparkMoeConfig config, Path run, Optional<Path> sequentialRun,
                                              int maxWindows, boolean withMoe, PrintStream out) throws IOException {
        int k = TrainDecentralizedCommand.clusterCount(config);
        List<JsonNode> experts = reports(run, k);
        TrainRouterCommand.train(config, run, out);
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        ShardSet data = ShardSet.open(hadoop, TrainDecentralizedCommand.clustersDir(config));
        int expertSteps = experts.stream().mapToInt(r -> r.path("steps").asInt()).sum();
        long expertTokens = experts.stream().mapToLong(r -> r.path("tokens").asLong()).sum();
        SparkMoeConfig denseConfig = DenseExpert.of(config);
        JsonNode baseline = baseline(withSteps(denseConfig, expertSteps), data, run, BASELINE, out);

        LoadedModel dense = NativeModel.load(run.resolve(BASELINE));
        long params = SynchronousMoe.parameters(dense.model().parameters());
        List<List<int[]>> val = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            val.add(data.loadAll("val", c));
        }
        int seqLen = dense.config().model().seqLen();
        int prefix = config.data().clusters().router().prefixTokens();
        EnsembleEvaluation.Result denseEval = alone(dense, val, prefix, config, maxWindows);
        Map<String, Object> moe = withMoe ? synchronousMoe(config, data, run, k, params, expertTokens, val, maxWindows,
                out) : null;
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
        if (moe != null) {
            report.put("moe", moe);
        }
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
            if (moe != null) {
                Map<String, Object> moeEvent = new LinkedHashMap<>(denseEvent);
                moeEvent.put("mode", "moe");
                moeEvent.put("val_loss", moe.get("val_loss"));
                moeEvent.put("val_ppl", moe.get("val_ppl"));
                metrics.write("ensemble", 0, moeEvent);
            }
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
     * Trains the synchronous MoE (unless complete) for the steps that give it the experts' training FLOPs
     * ({@code 6 · params · expertTokens}) and evaluates it alone; returns its part of the report.
     */
    private static Map<String, Object> synchronousMoe(SparkMoeConfig config, ShardSet data, Path run, int experts,
                                                      long params, long expertTokens, List<List<int[]>> val,
                                                      int maxWindows, PrintStream out) throws IOException {
        SparkMoeConfig moeConfig = SynchronousMoe.of(DenseExpert.of(config), experts);
        int topK = config.routing().topK();
        MoeTransformer shape = new MoeTransformer(moeConfig.model(), moeConfig.routing(),
                Trainer.vocabSize(moeConfig.model(), data.manifest().vocabSize()), DataType.FLOAT,
                moeConfig.run().seed());
        long total = SynchronousMoe.parameters(shape.parameters());
        long active = SynchronousMoe.activeParameters(shape.parameters(), experts, topK);
        long tokensPerStep = (long) config.train().batchSize() * config.model().seqLen();
        int steps = SynchronousMoe.equalFlopSteps(params, expertTokens, active, tokensPerStep);
        JsonNode trained = baseline(withSteps(moeConfig, steps), data, run, BASELINE_MOE, out);
        LoadedModel moe = NativeModel.load(run.resolve(BASELINE_MOE));
        EnsembleEvaluation.Result r = alone(moe, val, config.data().clusters().router().prefixTokens(), config,
                maxWindows);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experts", experts);
        m.put("router", config.routing().router());
        m.put("top_k", topK);
        m.put("parameters", total);
        m.put("active_parameters", active);
        m.put("steps", trained.path("steps").asInt());
        m.put("tokens", trained.path("tokens").asLong());
        m.put("train_flops", 6.0 * active * trained.path("tokens").asLong());
        m.put("seconds", trained.path("seconds").asDouble());
        m.put("val_loss", r.modeLoss().get("top-1"));
        m.put("val_ppl", Math.exp(r.modeLoss().get("top-1")));
        m.put("cluster_ppl", perplexities(r.expertLoss()[0]));
        return m;
    }

    /** One model on every cluster's validation windows after the router's prefix, as a one-expert ensemble. */
    private static EnsembleEvaluation.Result alone(LoadedModel m, List<List<int[]>> val, int prefix,
                                                   SparkMoeConfig config, int maxWindows) {
        return EnsembleEvaluation.run(List.of(m.model()), val, m.config().model().seqLen(), prefix,
                p -> new double[]{1}, config.train().batchSize(), maxWindows);
    }

    private static SparkMoeConfig withSteps(SparkMoeConfig c, int steps) {
        TrainConfig t = c.train();
        return new SparkMoeConfig(c.preset(), c.data(), c.model(), c.routing(), new TrainConfig(steps, t.batchSize(),
                t.evalEvery(), t.evalBatches(), t.logEvery(), t.checkpoint(), t.optimizer(), t.averaging(), t.workers()),
                c.cluster(), c.run());
    }

    /**
     * Trains (unless complete) a baseline of the given configuration on every cluster's shards, written whole to
     * {@code <run>/<name>/} with its {@code baseline.json}; returns that report.
     */
    static JsonNode baseline(SparkMoeConfig model, ShardSet data, Path run, String name, PrintStream out)
            throws IOException {
        Path target = run.resolve(name);
        Path report = target.resolve("baseline.json");
        if (Files.isRegularFile(report)) {
            out.println(name + ": complete in " + target + ", skipped");
            return JSON.readTree(report.toFile());
        }
        List<int[]> train = new ArrayList<>();
        List<int[]> val = new ArrayList<>();
        int k = model.data().clusters().count().orElseThrow();
        for (int c = 0; c < k; c++) {
            train.addAll(data.loadAll(Trainer.TRAIN_SPLIT, c));
            val.addAll(data.loadAll(Trainer.VAL_SPLIT, c));
        }
        Path tmp = target.resolveSibling("." + name + ".partial");
        ExpertTask.delete(tmp);
        Files.createDirectories(run);
        Trainer trainer = new Trainer(model, data.manifest(), train, val, null);
        Path metricsTmp = run.resolve("." + name + ".metrics.jsonl");
        TrainResult r;
        try (MetricsWriter metrics = new MetricsWriter(metricsTmp)) {
            r = trainer.run(metrics);
        }
        Configuration hadoop = TrainCommand.hadoopConf(model.cluster().spark());
        byte[] tokenizer = HadoopFiles.readAll(data.tokenizerPath().getFileSystem(hadoop), data.tokenizerPath());
        NativeModel.save(tmp, trainer.model(), NativeConfig.of(model, data.manifest().vocabSize()), tokenizer);
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
        out.printf(name + ": %d steps, %d tokens, validation loss %.4f, %.1f s%n", r.losses().length, r.tokens(),
                r.finalEvaluation().loss(), r.seconds());
        return JSON.readTree(report.toFile());
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
        Map<String, Object> moe = (Map<String, Object>) report.get("moe");
        StringBuilder s = new StringBuilder();
        s.append(String.format("Validation perplexity after a %d-token prefix, %d windows; training FLOPs = 6 x %d"
                + " parameters x tokens", report.get("prefix_tokens"), report.get("windows"), report.get("parameters_per_model")));
        s.append(moe == null ? String.format("%n%n") : String.format(" (the MoE: 6 x %d active of its %d parameters"
                + " x tokens)%n%n", moe.get("active_parameters"), moe.get("parameters")));
        s.append("| model | training tokens | training FLOPs | perplexity |\n|---|---|---|---|\n");
        s.append(String.format("| dense, all clusters (%d steps) | %d | %.3g | %.2f |%n", d.get("steps"), d.get("tokens"),
                d.get("train_flops"), d.get("val_ppl")));
        if (moe != null) {
            s.append(String.format("| synchronous MoE, %d experts, %s k=%d, all clusters (%d steps) | %d | %.3g | %.2f |%n",
                    moe.get("experts"), moe.get("router"), moe.get("top_k"), moe.get("steps"), moe.get("tokens"),
                    moe.get("train_flops"), moe.get("val_ppl")));
        }
        for (String mode : List.of("top-1", "top-2", "all")) {
            for (String router : List.of("learned", "centroid")) {
                Map<String, Object> r = router.equals("learned") ? learned : centroid;
                s.append(String.format("| %d experts, %s, %s router | %d | %.3g | %.2f |%n", k, mode, router,
                        e.get("tokens"), e.get("train_flops"), r.get(mode + "_ppl")));
            }
        }
        double[] dense = (double[]) d.get("cluster_ppl");
        double[] own = (double[]) e.get("own_cluster_ppl");
        double[] moeCluster = moe == null ? null : (double[]) moe.get("cluster_ppl");
        s.append(moe == null ? "\n| cluster | dense | its own expert |\n|---|---|---|\n"
                : "\n| cluster | dense | synchronous MoE | its own expert |\n|---|---|---|---|\n");
        for (int c = 0; c < k; c++) {
            s.append(moe == null ? String.format("| %d | %.2f | %.2f |%n", c, dense[c], own[c])
                    : String.format("| %d | %.2f | %.2f | %.2f |%n", c, dense[c], moeCluster[c], own[c]));
        }
        s.append(String.format("%n| | |%n|---|---|%n| router accuracy, learned | %.3f |%n| router accuracy, centroid | %.3f |%n",
                learned.get("accuracy"), centroid.get("accuracy")));
        s.append(String.format("| experts' wall time, concurrent (FAIR pools) | %.1f s |%n", e.get("wall_seconds_concurrent")));
        s.append(e.containsKey("wall_seconds_sequential")
                ? String.format("| experts' wall time, one at a time (FIFO) | %.1f s |%n", e.get("wall_seconds_sequential"))
                : "| experts' wall time, one at a time (FIFO) | not measured (--sequential-run) |\n");
        s.append(String.format("| dense baseline's training time (one JVM) | %.1f s |%n", d.get("seconds")));
        if (moe != null) {
            s.append(String.format("| synchronous MoE's training time (one JVM) | %.1f s |%n", moe.get("seconds")));
        }
        s.append(String.format("| bytes exchanged between experts | %d |%n", e.get("bytes_exchanged")));
        return s.toString();
    }
}
