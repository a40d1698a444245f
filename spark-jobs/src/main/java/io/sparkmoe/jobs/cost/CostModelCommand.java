package io.sparkmoe.jobs.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.costmodel.Calibration;
import io.sparkmoe.costmodel.ClusterSpec;
import io.sparkmoe.costmodel.Hardware;
import io.sparkmoe.costmodel.Link;
import io.sparkmoe.costmodel.MeasuredStep;
import io.sparkmoe.costmodel.ModelShape;
import io.sparkmoe.costmodel.RoutingPattern;
import io.sparkmoe.costmodel.StepCost;
import io.sparkmoe.costmodel.StepCostModel;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.TextFiles;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.train.TrainingBenchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sparkmoe cost-model}: projects the expert-parallel step beyond the machines we can measure (8–64 nodes of
 * 8 GPUs), per router, with {@link StepCostModel}, and — given measured runs — says how far its predictions were
 * from them and carries the locality-aware routers' measured pull (λ) to the projection.
 */
public final class CostModelCommand implements Command {

    static final String DEFAULT_OUT = "bench/results/ep-cost-model.json";

    @Override
    public String name() {
        return "cost-model";
    }

    @Override
    public String summary() {
        return "project expert-parallel step time and inter-node bytes per router for large clusters";
    }

    @Override
    public String description() {
        return """
                For each node count and router: inter-node bytes per token, the step's compute / exchange / replica
                time and the exchange share, for the configured model with E = ranks x experts-per-rank experts.
                Compute is the model's training FLOPs at the GPU's bf16 peak x --mfu; links are latency +
                bytes / bandwidth (--gpu for inside a node, --network for a node's interface, shared by its GPUs).
                Locality-aware routers (locmoe, grap) need their pull toward the node, measured: --calibration FILE
                (runs written by the locality benchmark; each is also compared with its prediction) or
                --locality-lambda L. Writes JSON (default %s).""".formatted(DEFAULT_OUT);
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("nodes", "LIST", "node counts (default 8,16,32,64)"),
                new CommandOption("gpus-per-node", "N", "ranks per node (default 8)"),
                new CommandOption("gpu", "NAME", "one of " + Hardware.GPUS.keySet() + " (default h100-sxm)"),
                new CommandOption("network", "NAME", "one of " + Hardware.NETWORKS.keySet() + " (default ib-ndr)"),
                new CommandOption("mfu", "F", "sustained share of the GPU's peak (default 0.4)"),
                new CommandOption("experts-per-rank", "N", "routed experts per GPU (default 2)"),
                new CommandOption("tokens-per-rank", "N", "tokens each GPU routes per step (default 8192)"),
                new CommandOption("bytes-per-value", "N", "bytes per float on the wire: 4 = float32 (default), 2 = bf16"),
                new CommandOption("calibration", "FILE", "measured runs (JSON) to compare with and to fit λ from"),
                new CommandOption("locality-lambda", "L", "pull toward the node of locmoe and grap, when not calibrated"),
                new CommandOption("samples", "N", "tokens sampled per projection (default 20000)"),
                new CommandOption("out", "FILE", "where the JSON goes (default " + DEFAULT_OUT + ")"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        SparkMoeConfig config = inv.config().config();
        Hardware.Gpu gpu;
        Hardware.Network network;
        try {
            gpu = Hardware.gpu(inv.option("gpu").orElse("h100-sxm"));
            network = Hardware.network(inv.option("network").orElse("ib-ndr"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        double mfu = inv.doubleOption("mfu", 0.4);
        int perNode = inv.positiveIntOption("gpus-per-node", 8);
        int expertsPerRank = inv.positiveIntOption("experts-per-rank", 2);
        long tokensPerRank = inv.longOption("tokens-per-rank", 8192);
        int bytesPerValue = inv.intOption("bytes-per-value", 4);
        if (!(mfu > 0 && mfu <= 1) || tokensPerRank < 1 || (bytesPerValue != 2 && bytesPerValue != 4)) {
            throw new UsageException("need 0 < --mfu <= 1, --tokens-per-rank >= 1 and --bytes-per-value 2 or 4");
        }
        int[] nodeCounts = parseNodes(inv.option("nodes").orElse("8,16,32,64"));
        StepCostModel model = new StepCostModel(inv.positiveIntOption("samples", 20_000), 1);
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();

        Map<String, Double> lambdas = new LinkedHashMap<>();
        if (inv.option("locality-lambda").isPresent()) {
            double v = inv.doubleOption("locality-lambda", 0);
            if (!(v >= 0 && v <= 1)) {
                throw new UsageException("--locality-lambda is a probability in [0, 1], got " + v);
            }
            lambdas.put("locmoe", v);
            lambdas.put("grap", v);
        }
        if (inv.option("calibration").isPresent()) {
            Path file = Path.of(inv.option("calibration").get());
            List<MeasuredStep> runs = MeasuredSteps.read(file);
            ArrayNode compared = out.putArray("calibration");
            inv.out().println("calibration against " + runs.size() + " measured runs (" + file + "):");
            inv.out().printf("  %-12s %5s %9s | %12s %12s | %9s %9s | %8s %8s%n", "router", "nodes", "link Mb/s",
                    "remote B/tok", "predicted", "exch ms", "predicted", "step ms", "predicted");
            for (MeasuredStep run : runs) {
                Calibration.Comparison c = Calibration.compare(model, run);
                if (!Double.isNaN(c.lambda())) {
                    lambdas.put(run.router(), c.lambda());
                }
                inv.out().printf("  %-12s %5d %9.0f | %12.0f %12.0f | %9.1f %9.1f | %8.1f %8.1f%s%n", run.router(),
                        run.nodes(), run.interNode().bytesPerSecond() * 8 / 1e6, run.remoteBytesPerToken(),
                        c.predicted().remoteBytesPerToken(), run.exchangeSeconds() * 1e3,
                        c.predicted().exchangeSeconds() * 1e3, run.stepSeconds() * 1e3,
                        c.predicted().stepSeconds() * 1e3,
                        Double.isNaN(c.lambda()) ? "" : String.format("  (λ fitted: %.3f)", c.lambda()));
                ObjectNode n = compared.addObject();
                n.put("router", run.router());
                n.put("nodes", run.nodes());
                n.put("inter_mbit", run.interNode().bytesPerSecond() * 8 / 1e6);
                n.put("lambda", Double.isNaN(c.lambda()) ? null : c.lambda());
                n.put("remote_bytes_per_token", run.remoteBytesPerToken());
                n.put("predicted_remote_bytes_per_token", c.predicted().remoteBytesPerToken());
                n.put("exchange_s", run.exchangeSeconds());
                n.put("predicted_exchange_s", c.predicted().exchangeSeconds());
                n.put("step_s", run.stepSeconds());
                n.put("predicted_step_s", c.predicted().stepSeconds());
                n.put("exchange_error", c.exchangeError());
                n.put("step_error", c.stepError());
            }
        }

        int vocab = config.model().vocabSize().orElse(config.data().tokenizer().vocabSize());
        ModelConfig m = config.model();
        int k = Math.max(2, config.routing().topK());
        List<RoutingPattern> patterns = new ArrayList<>(List.of(RoutingPattern.uniform("topk", k),
                RoutingPattern.uniform("switch/hash", 1), RoutingPattern.nodeLimited("group-limit-1", k, 1)));
        if (lambdas.containsKey("locmoe")) {
            patterns.add(RoutingPattern.localBiased("locmoe", k, lambdas.get("locmoe")));
        }
        if (lambdas.containsKey("grap")) {
            patterns.add(RoutingPattern.localBiased("grap", 1, lambdas.get("grap")));
        }
        ObjectNode assumptions = out.putObject("assumptions");
        assumptions.put("gpu", gpu.source());
        assumptions.put("network", network.source());
        assumptions.put("mfu", mfu);
        assumptions.put("gpus_per_node", perNode);
        assumptions.put("experts_per_rank", expertsPerRank);
        assumptions.put("tokens_per_rank", tokensPerRank);
        assumptions.put("bytes_per_value", bytesPerValue);
        assumptions.put("hidden", m.hiddenSize());
        assumptions.put("layers", m.layers());
        assumptions.put("moe_layers", m.moeLayerCount());
        assumptions.put("overlap", "none: compute, exchange and replica sync run one after another, as SparkMoE's step does");
        inv.out().println("assumptions: " + gpu.source() + "; " + network.source() + "; MFU " + mfu + "; d "
                + m.hiddenSize() + ", " + m.moeLayerCount() + " MoE layers of " + m.layers() + ", " + expertsPerRank
                + " experts per GPU, " + tokensPerRank + " tokens per GPU and step, " + bytesPerValue
                + "-byte values, no overlap");
        inv.out().printf("%6s %6s  %-14s %14s %9s %9s %9s %9s %7s %9s%n", "nodes", "GPUs", "router",
                "remote B/token", "step ms", "compute", "exchange", "replicas", "exch %", "vs topk");
        ArrayNode rows = out.putArray("projections");
        for (int nodes : nodeCounts) {
            ClusterSpec cluster = new ClusterSpec(nodes, perNode, gpu.intraNode(), network.interNode(),
                    gpu.peakFlops() * mfu, gpu.name() + " x " + perNode + " per node, " + network.name());
            StepCost topk = null;
            for (RoutingPattern p : patterns) {
                ModelShape shape = shape(config, vocab, p.k(), expertsPerRank, tokensPerRank, bytesPerValue);
                StepCost cost = model.predict(cluster, shape, p, config.train().averaging().mode().equals("periodic")
                        ? config.train().averaging().every() : 1);
                topk = topk == null ? cost : topk;
                inv.out().printf("%6d %6d  %-14s %14.0f %9.2f %9.2f %9.2f %9.2f %6.1f%% %8.2fx%n", nodes,
                        cluster.ranks(), p.name(), cost.remoteBytesPerToken(), cost.stepSeconds() * 1e3,
                        cost.computeSeconds() * 1e3, cost.exchangeSeconds() * 1e3, cost.replicaSeconds() * 1e3,
                        100 * cost.exchangeShare(), cost.stepSeconds() / topk.stepSeconds());
                ObjectNode row = rows.addObject();
                row.put("nodes", nodes);
                row.put("gpus", cluster.ranks());
                row.put("router", p.name());
                row.put("k", p.k());
                row.put("lambda", p.localBias());
                row.put("remote_bytes_per_token", cost.remoteBytesPerToken());
                row.put("same_node_bytes_per_token", cost.sameNodeBytesPerToken());
                row.put("compute_s", cost.computeSeconds());
                row.put("exchange_s", cost.exchangeSeconds());
                row.put("replica_s", cost.replicaSeconds());
                row.put("step_s", cost.stepSeconds());
                row.put("remote_bytes_vs_topk", cost.remoteBytesPerToken() / topk.remoteBytesPerToken());
                row.put("step_vs_topk", cost.stepSeconds() / topk.stepSeconds());
            }
        }
        Path file = Path.of(inv.option("out").orElse(DEFAULT_OUT));
        TextFiles.writeAtomically(file, json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n");
        inv.out().println("written to " + file);
        return 0;
    }

    /** The configured model with k slots: FLOPs per token and replicated parameters as the training benchmark counts. */
    public static ModelShape shape(SparkMoeConfig config, int vocab, int k, int expertsPerRank, long tokensPerRank,
                            int bytesPerValue) {
        ModelConfig m = config.model();
        long d = m.hiddenSize();
        long f = m.moe().intermediateSize();
        int moe = m.moeLayerCount();
        long active = TrainingBenchmark.activeParameters(config, vocab)
                + (long) moe * (k - config.routing().topK()) * 3 * d * f;
        double flops = 6.0 * active + 12.0 * m.layers() * d * m.seqLen();
        long replicated = active - (long) moe * k * 3 * d * f + (m.tieEmbeddings() ? 0 : vocab * d);
        return new ModelShape((int) d, moe, flops, replicated, expertsPerRank, tokensPerRank, bytesPerValue);
    }


    private static int[] parseNodes(String list) {
        try {
            int[] nodes = Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            if (nodes.length == 0 || Arrays.stream(nodes).anyMatch(n -> n < 1)) {
                throw new NumberFormatException();
            }
            return nodes;
        } catch (NumberFormatException e) {
            throw new UsageException("--nodes expects comma-separated positive integers, got '" + list + "'");
        }
    }


    /** Reads the measured runs the locality benchmark writes: {@code {"runs": [ {...}, ... ]}}. */
    static final class MeasuredSteps {

        private MeasuredSteps() {
        }

        static List<MeasuredStep> read(Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new UsageException("--calibration: no file " + file);
            }
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            JsonNode runs = root.path("runs");
            if (!runs.isArray() || runs.isEmpty()) {
                throw new UsageException("--calibration " + file + ": expected {\"runs\": [ ... ]} with at least one run");
            }
            List<MeasuredStep> out = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                out.add(one(file, i, runs.get(i)));
            }
            return out;
        }

        private static MeasuredStep one(Path file, int index, JsonNode r) {
            List<String> missing = new ArrayList<>();
            for (String key : List.of("router", "k", "nodes", "ranks_per_node", "experts_per_rank", "hidden",
                    "moe_layers", "tokens_per_rank", "replicated_params", "inter_mbit", "inter_latency_ms",
                    "intra_mbit", "intra_latency_ms", "compute_s", "exchange_s", "replica_s",
                    "remote_bytes_per_token")) {
                if (!r.hasNonNull(key)) {
                    missing.add(key);
                }
            }
            if (!missing.isEmpty()) {
                throw new UsageException("--calibration " + file + ": run " + index + " lacks " + missing);
            }
            return new MeasuredStep(r.get("router").asText(), r.get("k").asInt(), r.path("node_limit").asInt(0),
                    r.path("locality_aware").asBoolean(false), r.get("nodes").asInt(), r.get("ranks_per_node").asInt(),
                    r.get("experts_per_rank").asInt(), r.get("hidden").asInt(), r.get("moe_layers").asInt(),
                    r.get("tokens_per_rank").asLong(), r.get("replicated_params").asLong(),
                    r.path("averaging_every").asInt(1),
                    Link.ofMbit(r.get("inter_mbit").asDouble(), r.get("inter_latency_ms").asDouble()),
                    Link.ofMbit(r.get("intra_mbit").asDouble(), r.get("intra_latency_ms").asDouble()),
                    r.get("compute_s").asDouble(), r.get("exchange_s").asDouble(), r.get("replica_s").asDouble(),
                    r.get("remote_bytes_per_token").asDouble());
        }
    }
}
