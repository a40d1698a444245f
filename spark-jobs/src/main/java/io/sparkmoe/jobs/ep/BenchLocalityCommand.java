package io.sparkmoe.jobs.ep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.ResolvedConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.TextFiles;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.jobs.cost.CostModelCommand;
import io.sparkmoe.jobs.spark.SparkSessions;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.placement.NodeAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sparkmoe bench-locality}: issue 7's locality benchmark. Runs {@code train-ep} once per routing variant
 * (same data, seed and steps) in one Spark session on the configured master, reads every rank's metrics, and
 * reports per variant the bytes that crossed nodes per token, the step time and its parts, and the validation
 * loss, each relative to topk; writes the results and the cost model's calibration input.
 */
public final class BenchLocalityCommand implements Command {

    static final String APP_NAME = "sparkmoe-bench-locality";

    @Override
    public String name() {
        return "bench-locality";
    }

    @Override
    public String summary() {
        return "train-ep once per routing variant; inter-node bytes, step time and loss vs topk";
    }

    @Override
    public String description() {
        return """
                Runs train-ep (cluster.ranks ranks on cluster.master) once per variant with the same data, seed and
                steps: topk (k = 2, the baseline), switch, hash, locality (topk + the LocMoE locality loss), grap,
                group-limit (topk limited to one node) and locality-group-limit; --averaging-every N adds topk with
                periodic averaging every N steps instead of the per-step all-reduce. An unreported run of topk goes
                first (fresh executors are slow until compiled; --no-warmup-run skips it). Each variant's run directory is
                under one bench-locality run directory. Prints per variant the bytes sent across nodes per token
                (the MoE layers' and all calls'), the median step time, the compute / exchange-wait / averaging
                shares and the validation loss, relative to topk; writes them as JSON (--out, default
                bench/results/ep-locality-LABEL.json) and the runs as cost-model calibration input (--calibration-out,
                default bench/results/ep-calibration-LABEL.json; see docs/cost-model.md). A variant that fails is
                reported with its error and the others still run; the exit code is then 1.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("label", "NAME", "names the result files (default local)"),
                new CommandOption("variants", "LIST", "comma-separated, of " + LocalityVariant.DEFAULT
                        + " (default all; topk always runs)"),
                new CommandOption("locality-weight", "MU", "locality loss weight of the locality variants (default 1)"),
                new CommandOption("averaging-every", "N", "also run topk with periodic averaging every N steps"),
                new CommandOption("warmup", "N", "steps left out of the medians (default a fifth of train.steps)"),
                new CommandOption("no-warmup-run", null, "skip the unreported first run that warms the executors up"),
                new CommandOption("inter-mbit", "R", "the link between nodes, Mbit/s, for the calibration (e.g. the tc rate)"),
                new CommandOption("inter-latency-ms", "MS", "its one-way latency (e.g. the tc delay)"),
                new CommandOption("intra-mbit", "R", "between ranks of a node (default 5000: the loopback exchange benchmark)"),
                new CommandOption("intra-latency-ms", "MS", "its latency (default 0.05)"),
                new CommandOption("out", "FILE", "results JSON"),
                new CommandOption("calibration-out", "FILE", "calibration JSON for cost-model --calibration"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        SparkMoeConfig base = inv.config().config();
        String label = inv.option("label").orElse("local");
        if (!label.matches("[A-Za-z0-9._-]+")) {
            throw new UsageException("--label expects letters, digits, '.', '_' or '-', got '" + label + "'");
        }
        List<LocalityVariant> variants;
        try {
            variants = LocalityVariant.of(inv.option("variants").map(v -> Arrays.asList(v.split(",")))
                    .orElse(LocalityVariant.DEFAULT), inv.doubleOption("locality-weight", 1.0),
                    inv.intOption("averaging-every", 0));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--variants: " + e.getMessage());
        }
        int warmup = inv.intOption("warmup", base.train().steps() / 5);
        if (warmup < 0 || warmup >= base.train().steps()) {
            throw new UsageException("--warmup must be in [0, train.steps), got " + warmup);
        }
        double intraMbit = inv.doubleOption("intra-mbit", 5000);
        double intraMs = inv.doubleOption("intra-latency-ms", 0.05);
        double interMbit = inv.doubleOption("inter-mbit", intraMbit);
        double interMs = inv.doubleOption("inter-latency-ms", intraMs);
        Path out = Path.of(inv.option("out").orElse("bench/results/ep-locality-" + label + ".json"));
        Path calibrationOut = Path.of(inv.option("calibration-out").orElse(
                "bench/results/ep-calibration-" + label + ".json"));

        TrainCommand.open(base);
        BarrierSlots.refuseDynamicAllocation(SparkSessions.sparkConf(base, APP_NAME));
        RunDirectory benchDir = RunDirectory.create(name(), inv.config());
        int ranks = base.cluster().ranks();
        long tokensPerRank = (long) base.train().batchSize() * base.model().seqLen() / ranks;
        List<LocalityResult> results = new ArrayList<>();
        String master;
        try (SparkSession spark = SparkSessions.start(base, APP_NAME)) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            master = sc.master();
            if (!inv.flag("no-warmup-run")) {
                // Executors are reused from variant to variant: the first run in fresh executor JVMs pays for JIT
                // compilation and ND4J's start-up (measured: topk 2-3x slower first than last), so a run of the
                // first variant that is not reported goes before the measured ones.
                LocalityVariant first = variants.get(0);
                inv.out().printf("%n== warm-up run (not reported): %s%n", first.name());
                runVariant(sc, inv.config(), benchDir, first, "warmup-" + first.name(), warmup, tokensPerRank,
                        inv.out());
            }
            for (LocalityVariant v : variants) {
                inv.out().printf("%n== variant %s: %s%n", v.name(), String.join(", ", v.overrides()));
                results.add(runVariant(sc, inv.config(), benchDir, v, v.name(), warmup, tokensPerRank, inv.out()));
            }
        }
        LocalityReport report = new LocalityReport(label, results);
        report.printTable(inv.out());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode setting = json.createObjectNode();
        setting.put("master", master);
        setting.put("ranks", ranks);
        setting.put("ranks_per_node", base.cluster().ranksPerNode().map(String::valueOf).orElse("from executor hosts"));
        setting.put("steps", base.train().steps());
        setting.put("warmup_steps", warmup);
        setting.put("batch_size", base.train().batchSize());
        setting.put("seq_len", base.model().seqLen());
        setting.put("hidden", base.model().hiddenSize());
        setting.put("experts", base.model().moe().experts());
        setting.put("seed", base.run().seed());
        setting.put("inter_mbit", interMbit);
        setting.put("inter_latency_ms", interMs);
        setting.put("run_directory", relative(benchDir.path()));
        TextFiles.writeAtomically(out, json.writeValueAsString(report.toJson(json, setting)) + "\n");
        inv.out().println("results written to " + out);
        ArrayNode runs = json.createArrayNode();
        for (LocalityResult r : results) {
            if (r.ok()) {
                runs.add(calibrationRun(json, base, r, interMbit, interMs, intraMbit, intraMs));
            }
        }
        ObjectNode calibration = json.createObjectNode();
        calibration.set("runs", runs);
        TextFiles.writeAtomically(calibrationOut, json.writeValueAsString(calibration) + "\n");
        inv.out().println("calibration input written to " + calibrationOut
                + " (bin/sparkmoe cost-model --calibration " + calibrationOut + ")");
        return results.stream().allMatch(LocalityResult::ok) ? 0 : 1;
    }

    /** Trains one variant in its own directory under {@code benchDir}; a failure is returned, not thrown. */
    private static LocalityResult runVariant(JavaSparkContext sc, ResolvedConfig baseConfig, RunDirectory benchDir,
                                             LocalityVariant v, String dirName, int warmup, long tokensPerRank,
                                             PrintStream out) {
        try {
            Path dir = Files.createDirectory(benchDir.path().resolve(dirName));
            ResolvedConfig config = variantConfig(baseConfig, v, dir);
            RunDirectory runDir = new RunDirectory(dir);
            runDir.writeAtomically("config.conf", config.render());
            TrainEpCommand.Trained trained = TrainEpCommand.trainRanks(sc, config, runDir, out);
            String[] hosts = trained.outcomes().stream().map(o -> o.host).toArray(String[]::new);
            NodeAssignment nodes = NodeAssignment.resolve(config.config().cluster().ranksPerNode(), hosts);
            out.printf("topology: %d nodes (%s)%n", nodes.nodes(), nodes);
            EpRunMetrics m = EpRunMetrics.read(dir, config.config().cluster().ranks(), tokensPerRank, warmup);
            if (!trained.placed()) {
                out.println("(placement.json not written: the executors' hosts interleave the ranks; the ranks trained"
                        + " with the topology of their hosts all the same, which is what the benchmark measures)");
            }
            String error = trained.replicasEqual() ? null : "the ranks ended with different replicas or losses";
            return new LocalityResult(v, nodes.nodes(), nodes.ranks() / nodes.nodes(), m, error);
        } catch (Exception e) {
            out.println("variant " + v.name() + " FAILED: " + e);
            return new LocalityResult(v, 0, 0, null, e.toString());
        }
    }

    /** The base configuration with the variant's keys, the all-reduce unless the variant says otherwise, and its directory. */
    static ResolvedConfig variantConfig(ResolvedConfig base, LocalityVariant v, Path dir) {
        StringBuilder hocon = new StringBuilder(base.render()).append("\ntrain.averaging.mode = all-reduce\n");
        for (String line : v.overrides()) {
            hocon.append(line).append('\n');
        }
        hocon.append("run.dir = ").append(quote(dir.getParent().toString())).append('\n');
        hocon.append("run.name = ").append(quote(dir.getFileName().toString())).append('\n');
        return ConfigLoader.parse(hocon.toString(), "bench-locality variant " + v.name());
    }

    /** {@code dir} relative to the working directory when under it (results are committed from the project root). */
    static String relative(Path dir) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = dir.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    private static String quote(String s) {
        try {
            return new ObjectMapper().writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One run in the format of docs/cost-model.md's "Calibration input". */
    static ObjectNode calibrationRun(ObjectMapper json, SparkMoeConfig base, LocalityResult r, double interMbit,
                                     double interMs, double intraMbit, double intraMs) {
        EpRunMetrics m = r.metrics();
        LocalityVariant v = r.variant();
        int vocab = base.model().vocabSize().orElse(base.data().tokenizer().vocabSize());
        int expertsPerRank = base.model().moe().experts() / base.cluster().ranks();
        ObjectNode n = json.createObjectNode();
        n.put("variant", v.name());
        n.put("router", v.router());
        n.put("k", v.k());
        n.put("node_limit", v.nodeLimit());
        n.put("locality_aware", v.localityAware());
        n.put("nodes", r.nodes());
        n.put("ranks_per_node", r.ranksPerNode());
        n.put("experts_per_rank", expertsPerRank);
        n.put("hidden", base.model().hiddenSize());
        n.put("moe_layers", base.model().moeLayerCount());
        n.put("tokens_per_rank", m.tokensPerRank());
        n.put("replicated_params", CostModelCommand.shape(base, vocab, v.k(), expertsPerRank, m.tokensPerRank(), 4)
                .replicatedParams());
        n.put("averaging_every", v.averagingEvery());
        n.put("inter_mbit", interMbit);
        n.put("inter_latency_ms", interMs);
        n.put("intra_mbit", intraMbit);
        n.put("intra_latency_ms", intraMs);
        n.put("compute_s", m.computeSeconds());
        n.put("exchange_s", m.moeExchangeSeconds());
        n.put("replica_s", m.replicaSeconds());
        n.put("remote_bytes_per_token", m.moeRemoteBytesPerToken());
        return n;
    }
}
