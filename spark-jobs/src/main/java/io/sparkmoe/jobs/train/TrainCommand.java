package io.sparkmoe.jobs.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.model.io.NativeConfig;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.NativeThreads;
import io.sparkmoe.train.TrainResult;
import io.sparkmoe.train.Trainer;
import io.sparkmoe.train.checkpoint.Checkpoint;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code sparkmoe train}: trains the configured model in this JVM (every expert local, no Spark context: one JVM
 * needs no cluster) on the shards that {@code prepare} wrote to {@code data.output}, writing the run directory's
 * {@code metrics.jsonl} and checkpoints as it goes, and the final model to {@code model/} in the native layout; with
 * {@code train.resume} it continues a run from a checkpoint in that run's directory.
 */
public final class TrainCommand implements Command {

    private static final String SPARK_HADOOP = "spark.hadoop.";
    /** The final model's directory inside the run directory. */
    public static final String MODEL_DIR = "model";

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train the model in one JVM on the prepared shards";
    }

    @Override
    public String description() {
        return """
                Builds the model of the model and routing sections (vocabulary from the prepared tokenizer when
                model.vocab-size is null), trains it for train.steps AdamW steps on random windows of the
                shards in data.output, validates every train.eval-every steps, logs progress every
                train.log-every steps, and writes config.conf, driver.log, metrics.jsonl (step, eval, routing
                and checkpoint events) and checkpoints/step-NNNNNNNN (every train.checkpoint-every steps and
                after the last, the newest train.checkpoint-keep kept) to the run directory (the checkpoints to
                train.checkpoint-dir instead where set, any Hadoop URI such as hdfs://...), and the final model
                to <run dir>/model (config.json, model.safetensors, tokenizer.json: the --model of eval, score,
                generate and export). Prints the first and last loss and the final validation perplexity.

                train.resume=latest run.name=X continues run X from its newest committed checkpoint (in
                train.checkpoint-dir where set), in its directory, exactly as if it had never stopped; train.resume=PATH continues from the checkpoint
                directory PATH. The model, routing, schedule, data and seed must be those of the run.""";
    }

    @Override
    public int run(Invocation inv) throws IOException {
        SparkMoeConfig config = inv.config().config();
        ShardSet data = open(config);
        Configuration hadoop = hadoopConf(config.cluster().spark());
        Optional<ResumePoint> resume = ResumePoint.of(config, hadoop);
        Optional<Checkpoint> from = resume.map(p -> Checkpoint.open(fileSystem(hadoop, p.checkpoint()), p.checkpoint()));
        RunDirectory runDir = resume.isPresent() ? RunDirectory.reopen(resume.get().runDir())
                : RunDirectory.create(name(), inv.config());
        train(config, data, runDir, from, inv.out());
        return 0;
    }

    /**
     * Trains (or continues, from {@code from}) in {@code runDir}: metrics, checkpoints, and the final model in
     * {@code model/}; prints the outcome (also the demo's training step).
     */
    public static TrainResult train(SparkMoeConfig config, ShardSet data, RunDirectory runDir,
                                    Optional<Checkpoint> from, PrintStream out) throws IOException {
        Configuration hadoop = hadoopConf(config.cluster().spark());
        CheckpointStore checkpoints = CheckpointStore.of(hadoop, config.train().checkpoint(),
                runDir.path().toUri().toString());
        NativeThreads.advice().ifPresent(out::println);
        Trainer trainer = new Trainer(config, data, checkpoints);
        java.nio.file.Path metricsFile = runDir.path().resolve(MetricsWriter.FILE);
        TrainResult r;
        try (MetricsWriter metrics = from.isPresent()
                ? MetricsWriter.continuing(metricsFile, from.get().state().elapsedSeconds())
                : new MetricsWriter(metricsFile)) {
            if (from.isPresent()) {
                trainer.resume(from.get(), metrics);
                out.println("resumed from " + from.get().dir() + " after step " + trainer.completedSteps());
            }
            r = trainer.run(metrics);
        }
        java.nio.file.Path model = runDir.path().resolve(MODEL_DIR);
        byte[] tokenizer = HadoopFiles.readAll(data.tokenizerPath().getFileSystem(hadoop), data.tokenizerPath());
        NativeModel.save(model, trainer.model(), NativeConfig.of(config, data.manifest().vocabSize()), tokenizer);
        out.printf("trained %d steps, %d tokens in %.1f s (%.0f tokens/s)%n", r.losses().length, r.tokens(),
                r.seconds(), r.tokens() / r.seconds());
        out.printf("loss %.4f -> %.4f, validation loss %.4f, perplexity %.2f%n", r.firstLoss(), r.lastLoss(),
                r.finalEvaluation().loss(), r.finalEvaluation().perplexity());
        out.println("model: " + model);
        out.println("run directory: " + runDir.path());
        return r;
    }

    private static FileSystem fileSystem(Configuration hadoop, org.apache.hadoop.fs.Path path) {
        try {
            return path.getFileSystem(hadoop);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The prepared data, or an error naming where it was looked for. */
    public static ShardSet open(SparkMoeConfig config) throws IOException {
        String dir = config.data().output();
        Configuration hadoop = hadoopConf(config.cluster().spark());
        Path manifest = new Path(dir, Manifest.FILE);
        if (!manifest.getFileSystem(hadoop).exists(manifest)) {
            throw new FileNotFoundException(manifest + " not found: no prepared data in data.output (" + dir
                    + "); run bin/sparkmoe prepare first");
        }
        return ShardSet.open(hadoop, dir);
    }

    /** Hadoop settings given as {@code spark.hadoop.*} (as Spark jobs take them), for object stores and HDFS. */
    public static Configuration hadoopConf(Map<String, String> spark) {
        Configuration conf = new Configuration();
        spark.forEach((k, v) -> {
            if (k.startsWith(SPARK_HADOOP)) {
                conf.set(k.substring(SPARK_HADOOP.length()), v);
            }
        });
        return conf;
    }
}
