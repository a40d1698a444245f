package io.sparkmoe.jobs.decentralized;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.DataException;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.inference.EnsembleEvaluation;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.train.MetricsWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code sparkmoe eval-ensemble}: held-out evaluation of a decentralized run's experts with the learned or the centroid router —
 * the expert × cluster perplexity matrix, the router's accuracy against the true cluster, and the perplexity of the
 * top-1, top-2 and full mixtures of next-token probabilities, all counted on the tokens after the router's prefix.
 */
public final class EvalEnsembleCommand implements Command {

    public static final String FILE = "ensemble.json";

    @Override
    public String name() {
        return "eval-ensemble";
    }

    @Override
    public String summary() {
        return "perplexity of decentralized experts alone and combined by the learned or centroid router";
    }

    @Override
    public String description() {
        return """
                Loads the experts of a train-decentralized run (--run), the cluster shards and centroids.json of
                data.output/clusters, and evaluates on every cluster's validation split, cut into consecutive
                windows of seq_len + 1 tokens: each expert's perplexity on each cluster, the router's choice from
                the first router.prefix-tokens tokens against the window's true cluster, and the perplexity of the
                top-1, top-2 and all-expert mixtures of probabilities; only tokens after the prefix count.
                --router learned uses the classifier of train-router (the default when <run>/router exists);
                --router centroid decodes the prefix, takes its TF-IDF features and the softmax of
                -distance / router.temperature to the cluster centroids.
                Appends ensemble events to the run's metrics.jsonl and writes <run>/ensemble.json.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("run", "DIR", "the train-decentralized run directory (required)"),
                new CommandOption("max-windows", "N", "evaluate at most N windows per cluster; 0 = all (default)"),
                new CommandOption("router", "NAME", "learned | centroid | auto (default: learned when train-router wrote"
                        + " one, else centroid)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        Path run = Path.of(inv.requiredOption("run", "DIR"));
        String router = inv.option("router").orElse("auto");
        if (!Ensemble.ROUTERS.contains(router)) {
            throw new UsageException("--router must be one of " + String.join(", ", Ensemble.ROUTERS) + ", got '" + router + "'");
        }
        evaluate(inv.config().config(), run, router, inv.intOption("max-windows", 0), inv.out());
        return 0;
    }

    /**
     * Evaluates the run's experts with the router called {@code routerName} ({@link Ensemble#ROUTERS}); writes the
     * events and {@code ensemble.json} and prints the figures.
     */
    public static EnsembleEvaluation.Result evaluate(SparkMoeConfig config, Path run, String routerName, int maxWindows,
                                                     PrintStream out) throws IOException {
        int k = TrainDecentralizedCommand.clusterCount(config);
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        ShardSet data = ShardSet.open(hadoop, TrainDecentralizedCommand.clustersDir(config));
        FileSystem fs = data.tokenizerPath().getFileSystem(hadoop);
        byte[] tokenizer = HadoopFiles.readAll(fs, data.tokenizerPath());
        Ensemble ensemble = Ensemble.fromRun(config, run);
        if (!java.util.Arrays.equals(ensemble.tokenizerJson(), tokenizer)) {
            throw new DataException(ExpertLayout.dir(run, 0) + ": tokenizer.json differs from " + data.tokenizerPath());
        }
        String router = ensemble.resolve(routerName);
        EnsembleEvaluation.SequenceRouter weights = ensemble.router(router);
        List<List<int[]>> val = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            val.add(data.loadAll("val", c));
        }
        int prefix = config.data().clusters().router().prefixTokens();
        EnsembleEvaluation.Result r = EnsembleEvaluation.run(ensemble.models(), val, ensemble.context(), prefix, weights,
                config.train().batchSize(), maxWindows);
        write(run, r, router, prefix, config.data().clusters().router().temperature());
        print(r, router, out);
        return r;
    }

    private static void write(Path run, EnsembleEvaluation.Result r, String routerName, int prefix, double temperature) throws IOException {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int j = 0; j < r.expertLoss().length; j++) {
            for (int c = 0; c < r.tokens().length; c++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("kind", "expert_cluster");
                e.put("expert", j);
                e.put("cluster", c);
                e.put("val_loss", r.expertLoss()[j][c]);
                e.put("val_ppl", Math.exp(r.expertLoss()[j][c]));
                e.put("tokens", r.tokens()[c]);
                events.add(e);
            }
        }
        Map<String, Object> router = new LinkedHashMap<>();
        router.put("kind", "router");
        router.put("router", routerName);
        router.put("accuracy", r.accuracy());
        router.put("sequences", r.sequences());
        events.add(router);
        r.modeLoss().forEach((mode, loss) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("kind", "combination");
            e.put("router", routerName);
            e.put("mode", mode);
            e.put("val_loss", loss);
            e.put("val_ppl", Math.exp(loss));
            events.add(e);
        });
        try (MetricsWriter metrics = MetricsWriter.continuing(run.resolve(MetricsWriter.FILE), 0)) {
            events.forEach(e -> metrics.write("ensemble", 0, e));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("router", routerName);
        json.put("prefix_tokens", prefix);
        json.put("temperature", temperature);
        json.put("events", events);
        byte[] bytes = (new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json) + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HadoopFiles.writeAtomically(FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(run.resolve(FILE).toAbsolutePath().toUri()), bytes);
    }

    private static void print(EnsembleEvaluation.Result r, String routerName, PrintStream out) {
        out.println("validation perplexity, expert (rows) x cluster (columns), after the router's prefix:");
        for (int j = 0; j < r.expertLoss().length; j++) {
            StringBuilder row = new StringBuilder(String.format("  expert %2d:", j));
            for (double loss : r.expertLoss()[j]) {
                row.append(String.format(" %9.2f", Math.exp(loss)));
            }
            out.println(row);
        }
        out.printf("%s router accuracy %.3f over %d sequences%n", routerName, r.accuracy(), r.sequences());
        r.modeLoss().forEach((mode, loss) -> out.printf("  %-6s perplexity %.2f (loss %.4f)%n", mode, Math.exp(loss), loss));
    }
}
