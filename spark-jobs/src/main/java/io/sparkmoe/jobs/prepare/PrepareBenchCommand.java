package io.sparkmoe.jobs.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.data.bpe.BpeTrainer;
import io.sparkmoe.data.bpe.Encoder;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.WordCounter;
import io.sparkmoe.data.clean.TextCleaner;
import io.sparkmoe.data.corpus.EmbeddedCorpus;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sparkmoe prepare-bench}: how fast data preparation is on the embedded corpus — tokenizer training
 * (word counting and merges, one JVM thread), encode throughput of one thread (MB/s per core, cold cache),
 * and {@code prepare} end to end on the configured Spark master. Prints the figures and writes them as
 * JSON. A benchmark, not a test: nothing is asserted.
 */
public final class PrepareBenchCommand implements Command {

    @Override
    public String name() {
        return "prepare-bench";
    }

    @Override
    public String summary() {
        return "measure tokenizer training, encoding and prepare throughput on the default corpus";
    }

    @Override
    public String description() {
        return """
                On the embedded Europarl sample (or data.max-documents of it): times word counting and BPE
                training to data.tokenizer.vocab-size in one thread, encoding every document with one thread
                (cold cache), and the whole prepare job on the configured master (run it with
                cluster.master=local[2] for the documented figure). Writes the results as JSON.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("out", "FILE", "where the JSON goes (default bench/results/data-prep.json)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        RunDirectory runDir = RunDirectory.create(name(), inv.config());
        DataConfig base = inv.config().config().data();
        long limit = base.maxDocuments().orElse(Long.MAX_VALUE);
        List<String> texts = EmbeddedCorpus.documents().stream().limit(limit).map(d -> TextCleaner.normalize(d.text)).toList();
        long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();

        long t0 = System.nanoTime();
        Map<String, Long> words = new HashMap<>();
        texts.forEach(t -> WordCounter.count(t, words));
        long t1 = System.nanoTime();
        Tokenizer tokenizer = new BpeTrainer(base.tokenizer().vocabSize(), base.tokenizer().minFrequency(),
                base.tokenizer().specialTokens()).train(words);
        long t2 = System.nanoTime();
        Encoder encoder = tokenizer.encoder();
        long tokens = 0;
        for (String t : texts) {
            tokens += encoder.encode(t).length;
        }
        long t3 = System.nanoTime();

        DataConfig data = new DataConfig(base.input(), base.format(), base.textField(),
                runDir.path().resolve("prepared").toUri().toString(), base.minChars(), base.maxChars(), base.valFraction(),
                base.shardTokens(), base.writePartitions(), base.badDocuments(), base.maxDocuments(), base.tokenizer(),
                base.clusters());
        PrepareJob.Result prepared;
        double prepareSeconds;
        String master;
        int cores;
        try (SparkSession spark = SparkSessions.start(inv.config().config(), "sparkmoe-prepare-bench")) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            master = sc.master();
            cores = sc.defaultParallelism();
            long s = System.nanoTime();
            prepared = PrepareJob.run(sc, data, inv.config().config().run().seed());
            prepareSeconds = (System.nanoTime() - s) / 1e9;
        }

        ObjectNode r = new ObjectMapper().createObjectNode();
        r.put("benchmark", "data-prep");
        r.put("time", Instant.now().toString());
        r.put("corpus", data.input().orElse(EmbeddedCorpus.SOURCE));
        r.put("documents", texts.size());
        r.put("corpus_mb", bytes / 1e6);
        r.put("vocab_size", tokenizer.vocabSize());
        r.put("distinct_pre_tokens", words.size());
        r.put("word_count_s", (t1 - t0) / 1e9);
        r.put("bpe_merges_s", (t2 - t1) / 1e9);
        r.put("tokenizer_training_s", (t2 - t0) / 1e9);
        r.put("encode_s", (t3 - t2) / 1e9);
        r.put("encode_mb_per_s_per_core", bytes / 1e6 / ((t3 - t2) / 1e9));
        r.put("bytes_per_token", bytes / (double) tokens);
        r.put("prepare_master", master);
        r.put("prepare_parallelism", cores);
        r.put("prepare_s", prepareSeconds);
        r.put("prepare_input_mb", prepared.inputBytes() / 1e6);
        r.put("prepare_mb_per_s", prepared.inputBytes() / 1e6 / prepareSeconds);
        r.put("available_processors", Runtime.getRuntime().availableProcessors());
        r.put("java", System.getProperty("java.version"));
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r) + "\n";
        Path out = Path.of(inv.option("out").orElse("bench/results/data-prep.json"));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, json);
        inv.out().print(json);
        inv.out().println("written to " + out);
        return 0;
    }
}
