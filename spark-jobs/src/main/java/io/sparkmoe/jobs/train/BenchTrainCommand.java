package io.sparkmoe.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.MoeConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.TextFiles;
import io.sparkmoe.train.NativeThreads;
import io.sparkmoe.train.TrainingBenchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code sparkmoe bench-train}: training throughput of the configured model in this JVM against the PyTorch reference
 * on the same shape and threads. Rounds alternate ND4J and PyTorch so that load from other work on a shared machine
 * hits both alike; the figures are the medians over rounds, the spread is reported beside them. A benchmark, not a
 * test: nothing is asserted.
 */
public final class BenchTrainCommand implements Command {

    /** Routers the reference implements under the same name. */
    private static final Set<String> REFERENCE_ROUTERS = Set.of("topk", "switch", "hash", "sigmoid", "grap", "cosine");
    private static final long TORCH_MINUTES = 30;

    @Override
    public String name() {
        return "bench-train";
    }

    @Override
    public String summary() {
        return "measure training tokens/s and MFU against the PyTorch reference";
    }

    @Override
    public String description() {
        return """
                Trains the configured model (preset=small is the reference's default shape) on random tokens:
                median step time after warm-up, forward tokens/s, model FLOPs per token (the reference's formula),
                this JVM's fp32 GEMM rate and MFU, a breakdown of the step (attention, route, dispatch, experts,
                combine, optimizer) and peak memory. Each round then runs the PyTorch reference's bench with the
                same shape and threads (Python from deploy/tools/python-env.sh torch, $SPARKMOE_PYTHON first)
                and the ratios are printed side by side. Writes JSON (default bench/results/train-speed.json).""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("out", "FILE", "where the JSON goes (default bench/results/train-speed.json)"),
                new CommandOption("rounds", "N", "ND4J / PyTorch rounds, interleaved (default 3)"),
                new CommandOption("steps", "N", "timed steps per round (default 10)"),
                new CommandOption("warmup", "N", "untimed steps first (default 5: the JIT is still compiling the step during the first few)"),
                new CommandOption("threads", "N", "ND4J and PyTorch threads (default 2; with train.workers > 1 ND4J runs"
                        + " that many workers, each single-threaded: set train.workers to N)"),
                new CommandOption("reference", "FILE", "the PyTorch reference (default ../shared/bench/torch_reference.py)"),
                new CommandOption("python", "FILE", "a Python with torch (default: what deploy/tools/python-env.sh torch finds)"),
                new CommandOption("no-torch", null, "measure ND4J alone"));
    }

    @Override
    public int run(Invocation inv) throws IOException, InterruptedException {
        SparkMoeConfig config = inv.config().config();
        int rounds = inv.positiveIntOption("rounds", 3);
        int steps = inv.positiveIntOption("steps", 10);
        int warmup = inv.intOption("warmup", 5);
        int threads = inv.positiveIntOption("threads", 2);
        int vocab = config.model().vocabSize().orElse(config.data().tokenizer().vocabSize());
        Path reference = Path.of(inv.option("reference").orElse("../shared/bench/torch_reference.py"));
        Optional<String> python = Optional.empty();
        String torchSkipped = null;
        if (inv.flag("no-torch")) {
            torchSkipped = "--no-torch";
        } else if (!REFERENCE_ROUTERS.contains(config.routing().router())) {
            torchSkipped = "the reference has no router '" + config.routing().router() + "'";
        } else if (!Files.isRegularFile(reference)) {
            torchSkipped = "no PyTorch reference at " + reference + " (--reference FILE)";
        } else {
            python = inv.option("python").isPresent() ? inv.option("python") : findPython();
            if (python.isEmpty()) {
                torchSkipped = "no Python with torch (deploy/tools/python-env.sh torch; set SPARKMOE_PYTHON)";
            }
        }
        if (torchSkipped != null) {
            inv.out().println("bench-train: PyTorch not measured: " + torchSkipped + "; reporting ND4J alone");
        }
        NativeThreads.advice().ifPresent(inv.out()::println);
        NativeThreads.set(threads);
        List<TrainingBenchmark.Result> nd4j = new ArrayList<>();
        List<JsonNode> torch = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (int r = 0; r < rounds; r++) {
            TrainingBenchmark.Result res = TrainingBenchmark.run(config, vocab, warmup, steps);
            nd4j.add(res);
            inv.out().printf("round %d  ND4J   %8.1f train tok/s  MFU %.3f  (GEMM %.1f GFLOP/s)%n", r + 1,
                    res.trainTokensPerSecond(), res.mfu(), res.gemmGflops());
            if (python.isPresent()) {
                JsonNode t = runTorch(json, python.get(), reference, config, vocab, threads, steps, warmup);
                torch.add(t);
                inv.out().printf("round %d  torch  %8.1f train tok/s  MFU %.3f  (GEMM %.1f GFLOP/s)%n", r + 1,
                        t.get("train_tokens_per_s").asDouble(), t.get("mfu").asDouble(),
                        t.get("gemm_gflops_1024").asDouble());
            }
        }
        ObjectNode out = report(json, config, vocab, threads, rounds, steps, warmup, nd4j, torch, torchSkipped);
        String text = json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n";
        Path file = Path.of(inv.option("out").orElse("bench/results/train-speed.json"));
        TextFiles.writeAtomically(file, text);
        inv.out().print(summary(out));
        inv.out().println("written to " + file);
        return 0;
    }


    /** deploy/tools/python-env.sh torch ($SPARKMOE_PYTHON first), run from the project root. */
    private static Optional<String> findPython() throws IOException, InterruptedException {
        Path script = Path.of("deploy/tools/python-env.sh");
        if (!Files.isRegularFile(script)) {
            return Optional.ofNullable(System.getenv("SPARKMOE_PYTHON")).filter(p -> !p.isBlank());
        }
        Process p = new ProcessBuilder("bash", script.toString(), "torch")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(TORCH_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return Optional.empty();
        }
        return p.exitValue() == 0 && !out.isEmpty() ? Optional.of(out) : Optional.empty();
    }

    /** The reference's {@code bench} for the same shape; its JSON. */
    static List<String> torchCommand(String python, Path reference, SparkMoeConfig config, int vocab, int threads,
                                     int steps, int warmup, Path json) {
        ModelConfig m = config.model();
        MoeConfig moe = m.moe();
        List<String> cmd = new ArrayList<>(List.of(python, reference.toString(), "bench",
                "--d", str(m.hiddenSize()), "--layers", str(m.layers()), "--heads", str(m.heads()),
                "--experts", str(moe.experts()), "--k", str(config.routing().topK()), "--ffn", str(moe.intermediateSize()),
                "--seq", str(m.seqLen()), "--batch", str(config.train().batchSize()), "--vocab", str(vocab),
                "--router", config.routing().router(), "--steps", str(steps), "--warmup", str(warmup),
                "--threads", str(threads), "--json", json.toString()));
        Map<String, Object> sets = new TreeMap<>();
        sets.put("normalize", config.routing().normalize());
        sets.put("tie_word_embeddings", m.tieEmbeddings());
        sets.put("dense_intermediate_size", m.denseIntermediateSize());
        sets.put("moe_every", moe.every());
        sets.put("first_dense_layers", moe.firstDenseLayers());
        sets.put("n_shared_experts", moe.sharedExperts());
        sets.put("shared_intermediate_size", moe.sharedSize());
        sets.put("shared_gate", moe.sharedGate());
        moe.layerList().ifPresent(layers -> sets.put("moe_layers", layers));
        Capacity c = config.routing().capacity();
        sets.put("capacity_factor", c instanceof Capacity.Factor ? ((Capacity.Factor) c).value() : 0.0);
        sets.forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        return cmd;
    }

    private static String str(int v) {
        return Integer.toString(v);
    }

    private static JsonNode runTorch(ObjectMapper json, String python, Path reference, SparkMoeConfig config, int vocab,
                                     int threads, int steps, int warmup) throws IOException, InterruptedException {
        Path out = Files.createTempFile("torch-bench", ".json");
        try {
            ProcessBuilder builder = new ProcessBuilder(torchCommand(python, reference, config, vocab, threads, steps,
                    warmup, out)).redirectErrorStream(true);
            // PyTorch runs with its own OpenMP defaults: it has one OpenMP pool (no second pool to leave the cores
            // to), and the passive wait policy this JVM's ND4J wants slowed it from 2,376 to 1,667 train tokens/s
            builder.environment().remove(NativeThreads.WAIT_POLICY_VARIABLE);
            Process p = builder.start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TORCH_MINUTES, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("the PyTorch reference's bench failed (" + reference + "):\n" + log);
            }
            return json.readTree(out.toFile());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static ObjectNode report(ObjectMapper json, SparkMoeConfig config, int vocab, int threads, int rounds,
                                     int steps, int warmup, List<TrainingBenchmark.Result> nd4j, List<JsonNode> torch,
                                     String torchSkipped) {
        ModelConfig m = config.model();
        ObjectNode r = json.createObjectNode();
        r.put("benchmark", "train-speed");
        r.put("time", Instant.now().toString());
        r.put("omp_wait_policy", NativeThreads.waitPolicy());
        r.put("torch_omp_wait_policy", "its default (unset)");
        ObjectNode shape = r.putObject("config");
        shape.put("preset", config.preset());
        shape.put("d", m.hiddenSize());
        shape.put("layers", m.layers());
        shape.put("heads", m.heads());
        shape.put("experts", m.moe().experts());
        shape.put("k", config.routing().topK());
        shape.put("ffn", m.moe().intermediateSize());
        shape.put("seq", m.seqLen());
        shape.put("batch", config.train().batchSize());
        shape.put("vocab", vocab);
        shape.put("router", config.routing().router());
        r.put("threads", threads);
        // with workers > 1 ND4J's threads are the workers, each running its native math single-threaded
        r.put("workers", config.train().workers());
        r.put("rounds", rounds);
        r.put("timed_steps", steps);
        r.put("warmup_steps_skipped", warmup);
        r.put("available_processors", Runtime.getRuntime().availableProcessors());
        r.put("java", System.getProperty("java.version"));
        r.put("flops_formula", "train 6*N_active + 12*L*d*T; forward 2*N_active + 4*L*d*T (torch_reference.py)");
        TrainingBenchmark.Result first = nd4j.get(0);
        int tokens = first.tokensPerStep();
        r.put("tokens_per_step", tokens);
        r.put("flops_per_token", first.flopsPerToken());
        r.put("active_params_per_token", first.activeParameters());
        ObjectNode n = r.putObject("nd4j");
        n.put("engine", "ND4J " + org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName() + " fp32");
        spread(n, "train_tokens_per_s", nd4j.stream().mapToDouble(TrainingBenchmark.Result::trainTokensPerSecond).toArray());
        spread(n, "forward_tokens_per_s", nd4j.stream().mapToDouble(TrainingBenchmark.Result::forwardTokensPerSecond).toArray());
        spread(n, "gemm_gflops_1024", nd4j.stream().mapToDouble(TrainingBenchmark.Result::gemmGflops).toArray());
        spread(n, "mfu", nd4j.stream().mapToDouble(TrainingBenchmark.Result::mfu).toArray());
        spread(n, "forward_mfu", nd4j.stream().mapToDouble(TrainingBenchmark.Result::forwardMfu).toArray());
        spread(n, "achieved_gflops", nd4j.stream().mapToDouble(TrainingBenchmark.Result::achievedGflops).toArray());
        n.put("total_params", first.totalParameters());
        ObjectNode breakdown = n.putObject("step_breakdown_s");
        for (String phase : first.breakdownSeconds().keySet()) {
            breakdown.put(phase, median(nd4j.stream().mapToDouble(x -> x.breakdownSeconds().get(phase)).toArray()));
        }
        long heap = nd4j.stream().mapToLong(TrainingBenchmark.Result::peakHeapBytes).max().orElse(0);
        long physical = nd4j.stream().mapToLong(TrainingBenchmark.Result::peakPhysicalBytes).max().orElse(0);
        long nativeBytes = nd4j.stream().mapToLong(TrainingBenchmark.Result::peakNativeBytes).max().orElse(0);
        n.put("peak_heap_bytes", heap);
        n.put("peak_physical_bytes", physical);
        n.put("peak_javacpp_bytes", nativeBytes);
        n.put("peak_heap_bytes_per_token", heap / (double) tokens);
        n.put("peak_off_heap_bytes_per_token", Math.max(0, physical - heap) / (double) tokens);
        n.put("first_loss", first.firstLoss());
        n.put("final_loss", first.lastLoss());
        if (torch.isEmpty()) {
            r.put("torch_skipped", torchSkipped == null ? "not run" : torchSkipped);
            return r;
        }
        ObjectNode t = r.putObject("torch");
        t.put("engine", torch.get(0).get("engine").asText());
        for (String key : List.of("train_tokens_per_s", "forward_tokens_per_s", "gemm_gflops_1024", "mfu", "forward_mfu",
                "achieved_gflops")) {
            spread(t, key, torch.stream().mapToDouble(j -> j.get(key).asDouble()).toArray());
        }
        t.put("flops_per_token", torch.get(0).get("flops_per_token").asDouble());
        t.put("first_loss", torch.get(0).get("first_loss").asDouble());
        t.put("final_loss", torch.get(0).get("final_loss").asDouble());
        ObjectNode ratio = r.putObject("nd4j_over_torch");
        for (String key : List.of("train_tokens_per_s", "forward_tokens_per_s", "mfu", "gemm_gflops_1024")) {
            ratio.put(key, n.get(key).get("median").asDouble() / t.get(key).get("median").asDouble());
        }
        return r;
    }

    /** {median, min, max, values} of one figure over the rounds. */
    private static void spread(ObjectNode parent, String key, double[] values) {
        ObjectNode o = parent.putObject(key);
        o.put("median", median(values));
        o.put("min", Arrays.stream(values).min().orElse(Double.NaN));
        o.put("max", Arrays.stream(values).max().orElse(Double.NaN));
        ArrayNode all = o.putArray("rounds");
        Arrays.stream(values).forEach(all::add);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String summary(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        JsonNode n = r.get("nd4j");
        JsonNode t = r.get("torch");
        sb.append(String.format("%-22s %12s %12s %8s%n", "median over rounds", "ND4J", "torch", "ratio"));
        for (String key : List.of("train_tokens_per_s", "forward_tokens_per_s", "gemm_gflops_1024", "mfu")) {
            double a = n.get(key).get("median").asDouble();
            if (t == null) {
                sb.append(String.format("%-22s %12.3f %12s %8s%n", key, a, "-", "-"));
            } else {
                double b = t.get(key).get("median").asDouble();
                sb.append(String.format("%-22s %12.3f %12.3f %8.3f%n", key, a, b, a / b));
            }
        }
        sb.append("step breakdown (s, median): ").append(n.get("step_breakdown_s")).append('\n');
        return sb.toString();
    }
}
