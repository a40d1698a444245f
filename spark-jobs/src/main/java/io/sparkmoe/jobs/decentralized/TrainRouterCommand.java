package io.sparkmoe.jobs.decentralized;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sparkmoe.conf.LearnedRouterConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.inference.HeldOutEvaluation;
import io.sparkmoe.inference.LearnedRouter;
import io.sparkmoe.inference.LearnedRouterTraining;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.train.MetricsWriter;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code sparkmoe train-router}: fits the learned router of a decentralized run (Paris) after its experts. Every
 * cluster's training shards are cut into the windows the experts and {@code eval-ensemble} use; the first
 * {@code router.prefix-tokens} tokens of a window, labelled with its cluster, are one example. The router never sees
 * the experts, so it can be trained before, after or beside them; it is written whole to {@code <run>/router/}.
 */
public final class TrainRouterCommand implements Command {

    @Override
    public String name() {
        return "train-router";
    }

    @Override
    public String summary() {
        return "train the learned router of a decentralized run on the cluster labels";
    }

    @Override
    public String description() {
        return """
                Cuts every cluster's training shards (data.output/clusters) into windows of model.seq-len + 1
                tokens (at most router.learned.max-windows per cluster) and trains a classifier from a window's
                first router.prefix-tokens tokens to its cluster: mean-pooled token embeddings
                (router.learned.dim), an optional tanh layer (router.learned.hidden), softmax over the clusters,
                cross-entropy, AdamW (router.learned.steps, batch-size, lr, weight-decay; seed run.seed). Reports
                the accuracy on the training windows and on the validation windows, writes <run>/router/
                (router.safetensors + router.json) whole, and appends a router_training event to the run's
                metrics.jsonl. An existing <run>/router is kept (remove it to train again). eval-ensemble, generate
                --ensemble and export --ensemble then use it.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("run", "DIR", "the train-decentralized run directory (required)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        train(inv.config().config(), Path.of(inv.requiredOption("run", "DIR")), inv.out());
        return 0;
    }

    /** Labelled prefixes: the first {@code prefix} tokens of every window of every cluster's {@code split}. */
    record Examples(List<int[]> prefixes, int[] labels) {
        static Examples of(ShardSet data, String split, int clusters, int seqLen, int prefix, int maxWindows) {
            List<int[]> prefixes = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (int c = 0; c < clusters; c++) {
                for (int[] w : HeldOutEvaluation.windows(data.loadAll(split, c), seqLen, maxWindows)) {
                    prefixes.add(Arrays.copyOf(w, prefix));
                    labels.add(c);
                }
            }
            return new Examples(prefixes, labels.stream().mapToInt(Integer::intValue).toArray());
        }

        double accuracy(LearnedRouter router) {
            return router.correct(prefixes, labels) / (double) labels.length;
        }
    }

    /** Trains and writes {@code <run>/router/} unless it exists; returns the router directory. */
    public static Path train(SparkMoeConfig config, Path run, PrintStream out) throws IOException {
        Path dir = run.resolve(Ensemble.ROUTER_DIR);
        if (Files.exists(dir)) {
            out.println("router: complete (" + dir + "; remove it to train again)");
            return dir;
        }
        if (!Files.isDirectory(run)) {
            throw new java.io.FileNotFoundException(run + ": no such run directory (train-decentralized writes it)");
        }
        int k = TrainDecentralizedCommand.clusterCount(config);
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        ShardSet data = ShardSet.open(hadoop, TrainDecentralizedCommand.clustersDir(config));
        int vocab = TokenizerJson.read(HadoopFiles.readAll(data.tokenizerPath().getFileSystem(hadoop), data.tokenizerPath()),
                data.tokenizerPath().toString()).vocabSize();
        int seqLen = config.model().seqLen();
        int prefix = config.data().clusters().router().prefixTokens();
        if (prefix >= seqLen) {
            throw new IllegalArgumentException("router.prefix-tokens (" + prefix + ") must be below model.seq-len (" + seqLen + ")");
        }
        LearnedRouterConfig c = config.data().clusters().learnedRouter();
        long started = System.nanoTime();
        Examples train = Examples.of(data, "train", k, seqLen, prefix, c.maxWindows());
        Examples val = Examples.of(data, "val", k, seqLen, prefix, 0);
        LearnedRouter router = LearnedRouter.initialized(new LearnedRouter.Shape(vocab, c.dim(), c.hidden(), k, prefix),
                config.run().seed());
        LearnedRouterTraining.Result r = LearnedRouterTraining.train(router, train.prefixes(), train.labels(),
                new LearnedRouterTraining.Settings(c.steps(), c.batchSize(), c.lr(), c.weightDecay(), config.run().seed()));
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("kind", "learned");
        report.put("steps", c.steps());
        report.put("train_windows", train.labels().length);
        report.put("val_windows", val.labels().length);
        report.put("first_loss", r.first());
        report.put("last_loss", r.last());
        report.put("train_accuracy", train.accuracy(router));
        report.put("val_accuracy", val.accuracy(router));
        report.put("chance", 1.0 / k);
        report.put("seconds", seconds);
        NativeModel.writeDirectory(dir, router.files(Map.of("training", report)));
        try (MetricsWriter metrics = MetricsWriter.continuing(run.resolve(MetricsWriter.FILE), 0)) {
            metrics.write("router_training", c.steps(), report);
        }
        out.printf("router: %d steps on %d windows, loss %.4f -> %.4f, accuracy train %.3f, val %.3f over %d windows"
                        + " (chance %.3f), %.1f s -> %s%n", c.steps(), train.labels().length, r.first(), r.last(),
                report.get("train_accuracy"), report.get("val_accuracy"), val.labels().length, 1.0 / k, seconds, dir);
        return dir;
    }
}
