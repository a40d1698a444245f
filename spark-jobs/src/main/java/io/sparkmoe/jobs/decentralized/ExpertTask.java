package io.sparkmoe.jobs.decentralized;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.data.DataException;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.io.NativeConfig;
import io.sparkmoe.model.io.NativeModel;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.TrainResult;
import io.sparkmoe.train.Trainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.Function;

/**
 * One expert's Spark task: trains a dense model on its own cluster's shards only, in this executor, and writes the
 * expert directory whole ({@link ExpertLayout}); nothing is exchanged with any other task. Returns its
 * {@code expert.json} (as text: it is all the driver needs), which lists the shard files it read, so that the
 * isolation can be checked.
 */
final class ExpertTask implements Function<Integer, String> {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String configHocon;
    private final String clustersDir;
    private final String runDir;

    /** {@code configHocon}: the run's resolved configuration; {@code clustersDir}: {@code data.output/clusters}. */
    ExpertTask(String configHocon, String clustersDir, String runDir) {
        this.configHocon = configHocon;
        this.clustersDir = clustersDir;
        this.runDir = runDir;
    }

    @Override
    public String call(Integer expert) throws IOException {
        long started = System.currentTimeMillis();
        SparkMoeConfig config = DenseExpert.of(ConfigLoader.parse(configHocon, "the decentralized run's configuration")
                .config());
        Configuration hadoop = TrainCommand.hadoopConf(config.cluster().spark());
        ShardSet data = ShardSet.open(hadoop, clustersDir);
        List<String> read = new ArrayList<>();
        List<int[]> train = load(data, Trainer.TRAIN_SPLIT, expert, read);
        List<int[]> val = load(data, Trainer.VAL_SPLIT, expert, read);
        if (train.isEmpty()) {
            throw new DataException(clustersDir + ": cluster " + expert + " has no training shards");
        }
        Path run = Path.of(runDir);
        Path target = ExpertLayout.dir(run, expert);
        Path staging = target.resolveSibling("." + target.getFileName() + ".partial");
        Path modelTmp = target.resolveSibling("." + target.getFileName() + ".model");
        delete(staging);
        delete(modelTmp);
        Files.createDirectories(staging);
        Trainer trainer = new Trainer(config, data.manifest(), train, val, null);
        TrainResult r;
        try (MetricsWriter metrics = new MetricsWriter(staging.resolve(MetricsWriter.FILE))) {
            r = trainer.run(metrics);
        }
        byte[] tokenizer = HadoopFiles.readAll(data.tokenizerPath().getFileSystem(hadoop), data.tokenizerPath());
        NativeModel.save(modelTmp, trainer.model(), NativeConfig.of(config, data.manifest().vocabSize()), tokenizer);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("expert", expert);
        report.put("cluster", expert);
        report.put("shards_read", read);
        report.put("steps", r.losses().length);
        report.put("tokens", r.tokens());
        report.put("seconds", r.seconds());
        report.put("first_loss", r.firstLoss());
        report.put("last_loss", r.lastLoss());
        report.put("val_loss", r.finalEvaluation().loss());
        report.put("val_ppl", r.finalEvaluation().perplexity());
        report.put("bytes_exchanged", 0L);
        report.put("started_ms", started);
        report.put("finished_ms", System.currentTimeMillis());
        String json = JSON.writeValueAsString(report);
        Files.move(staging.resolve(MetricsWriter.FILE), modelTmp.resolve(MetricsWriter.FILE));
        Files.writeString(modelTmp.resolve(ExpertLayout.REPORT), json + "\n", StandardCharsets.UTF_8);
        Files.move(modelTmp, target, StandardCopyOption.ATOMIC_MOVE);
        delete(staging);
        return json;
    }

    /** Loads the shards of {@code split} of {@code cluster}, noting each file's path in {@code read}. */
    private static List<int[]> load(ShardSet data, String split, int cluster, List<String> read) {
        List<int[]> out = new ArrayList<>();
        for (ShardEntry e : data.entries(split, cluster)) {
            read.add(e.path);
            out.add(data.load(e));
        }
        return out;
    }

    /** Removes what an earlier, failed attempt of this expert left behind. */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
