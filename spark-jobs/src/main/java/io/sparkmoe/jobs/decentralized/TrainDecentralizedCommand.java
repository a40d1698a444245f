package io.sparkmoe.jobs.decentralized;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.conf.ResolvedConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.jobs.spark.SparkSessions;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.train.MetricsWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code sparkmoe train-decentralized}: Paris / c-BTM training. One dense expert per document cluster, each trained
 * alone on its cluster's shards as one Spark task of a job of its own; the jobs are submitted from driver threads
 * into FAIR scheduler pools, so they run side by side when the cluster has slots and queue otherwise. Experts share
 * nothing while training: no exchange exists, and each task opens only its own cluster's shard files.
 */
public final class TrainDecentralizedCommand implements Command {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CLUSTERS = "clusters";

    @Override
    public String name() {
        return "train-decentralized";
    }

    @Override
    public String summary() {
        return "train one dense expert per document cluster, each alone (Paris / c-BTM)";
    }

    @Override
    public String description() {
        return """
                Needs data prepared with data.clusters.count set (data.output/clusters). Trains, for every cluster
                j, a dense model of the configured architecture (no MoE layers: model.dense-intermediate-size
                feed-forward blocks) with the train.* settings on cluster j's training shards only, validating on
                its validation shards, as one Spark task of its own job (FAIR pools, run concurrently when there
                are slots). Each expert is written whole to <run>/experts/expert-NNN (config.json,
                model.safetensors, tokenizer.json, metrics.jsonl, expert.json with the shard files it read).
                The run's metrics.jsonl gets an expert event and a traffic event (zero bytes) per expert.

                Re-running with the same run.name skips the experts already complete and trains the missing ones
                (a failed expert never touches the others); --only N trains expert N alone (again, if its
                directory is removed). Evaluate with eval-ensemble --run <run dir>.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("only", "N", "train expert N only (skipped if already complete)"),
                new CommandOption("sequential", null, "one expert at a time (spark.scheduler.mode FIFO, each job"
                        + " submitted when the previous one ended), to compare with the concurrent default"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        SparkMoeConfig config = inv.config().config();
        int experts = clusterCount(config);
        Path existing = config.run().name().map(n -> Path.of(config.run().dir()).resolve(n)).orElse(null);
        RunDirectory runDir = existing != null && Files.isDirectory(existing) ? RunDirectory.reopen(existing)
                : RunDirectory.create(name(), inv.config());
        int only = inv.intOption("only", -1);
        if (only >= experts) {
            throw new UsageException("--only " + only + ": there are " + experts + " clusters (0.." + (experts - 1) + ")");
        }
        List<Integer> wanted = new ArrayList<>();
        for (int j = 0; j < experts; j++) {
            if (only < 0 || only == j) {
                wanted.add(j);
            }
        }
        int failed = train(inv.config(), runDir.path(), wanted, inv.flag("sequential"), inv.out());
        inv.out().println("run directory: " + runDir.path());
        return failed == 0 ? 0 : 1;
    }

    /** {@code data.clusters.count}, checked against the prepared cluster shards. */
    static int clusterCount(SparkMoeConfig config) throws IOException {
        if (config.data().clusters().count().isEmpty()) {
            throw new IllegalArgumentException("data.clusters.count is not set: decentralized training needs data"
                    + " prepared with document clusters (set it and run prepare)");
        }
        String dir = clustersDir(config);
        org.apache.hadoop.fs.Path manifest = new org.apache.hadoop.fs.Path(dir, Manifest.FILE);
        if (!manifest.getFileSystem(TrainCommand.hadoopConf(config.cluster().spark())).exists(manifest)) {
            throw new FileNotFoundException(manifest + " not found: no cluster shards in data.output; run bin/sparkmoe"
                    + " prepare with data.clusters.count=" + config.data().clusters().count().get());
        }
        return config.data().clusters().count().get();
    }

    static String clustersDir(SparkMoeConfig config) {
        return new org.apache.hadoop.fs.Path(config.data().output(), CLUSTERS).toString();
    }

    /**
     * Trains the experts in {@code wanted} that are not complete yet, concurrently (or, {@code sequential}, one job
     * after the other in FIFO mode), and records each one in the run's metrics; returns how many failed (their
     * error is printed; the others are unaffected).
     */
    static int train(ResolvedConfig resolved, Path run, List<Integer> wanted, boolean sequential, PrintStream out)
            throws IOException {
        SparkMoeConfig config = resolved.config();
        List<Integer> todo = new ArrayList<>();
        for (int j : wanted) {
            if (ExpertLayout.complete(run, j)) {
                out.println("expert " + j + ": complete in " + ExpertLayout.dir(run, j) + ", skipped");
            } else {
                todo.add(j);
            }
        }
        if (todo.isEmpty()) {
            return 0;
        }
        Files.createDirectories(run.resolve(ExpertLayout.EXPERTS));
        ExpertTask task = new ExpertTask(resolved.render(), clustersDir(config), run.toAbsolutePath().toString());
        SparkConf conf = SparkSessions.sparkConf(config, "sparkmoe-train-decentralized");
        if (sequential) {
            conf.set("spark.scheduler.mode", "FIFO");
        } else {
            conf.setIfMissing("spark.scheduler.mode", "FAIR");
        }
        int failed = 0;
        try (SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
             MetricsWriter metrics = MetricsWriter.continuing(run.resolve(MetricsWriter.FILE), 0)) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            // one driver thread per expert submits its job at once; a single thread submits them one by one
            ExecutorService drivers = Executors.newFixedThreadPool(sequential ? 1 : todo.size());
            Map<Integer, Future<String>> jobs = new LinkedHashMap<>();
            for (int j : todo) {
                jobs.put(j, drivers.submit(() -> {
                    sc.setLocalProperty("spark.scheduler.pool", "expert-" + j);
                    sc.setJobGroup("expert-" + j, "decentralized expert " + j, true);
                    return sc.parallelize(List.of(j), 1).map(task).collect().get(0);
                }));
            }
            for (Map.Entry<Integer, Future<String>> e : jobs.entrySet()) {
                int j = e.getKey();
                try {
                    JsonNode report = JSON.readTree(e.getValue().get());
                    record(metrics, j, report);
                    out.printf("expert %d: %d steps on %d shard files, validation loss %.4f (perplexity %.2f), %.1f s%n",
                            j, report.path("steps").asInt(), report.path("shards_read").size(),
                            report.path("val_loss").asDouble(), report.path("val_ppl").asDouble(),
                            report.path("seconds").asDouble());
                } catch (ExecutionException ex) {
                    failed++;
                    out.println("expert " + j + ": FAILED (" + rootMessage(ex) + "); re-run to train it again");
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for expert " + j, ex);
                }
            }
            drivers.shutdown();
        }
        return failed;
    }

    /** The expert's report, and its traffic: zero bytes, since no expert talks to another. */
    private static void record(MetricsWriter metrics, int expert, JsonNode report) {
        Map<String, Object> e = JSON.convertValue(report, JSON.getTypeFactory()
                .constructMapType(LinkedHashMap.class, String.class, Object.class));
        metrics.write("expert", report.path("steps").asInt(), e);
        Map<String, Object> traffic = new LinkedHashMap<>();
        traffic.put("kind", "decentralized");
        traffic.put("expert", expert);
        traffic.put("bytes_sent", 0L);
        traffic.put("bytes_received", 0L);
        traffic.put("exchange", null);
        metrics.write("traffic", report.path("steps").asInt(), traffic);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
