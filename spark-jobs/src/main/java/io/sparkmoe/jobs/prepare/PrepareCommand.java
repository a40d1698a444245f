package io.sparkmoe.jobs.prepare;

import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code sparkmoe prepare}: corpus → tokenizer.json, token shards, manifest.json and report.json in
 * {@code data.output} (see docs/data-prep.md).
 */
public final class PrepareCommand implements Command {

    @Override
    public String name() {
        return "prepare";
    }

    @Override
    public String summary() {
        return "clean a corpus, train the BPE tokenizer and write token shards (Spark)";
    }

    @Override
    public String description() {
        return """
                Reads data.input (any Hadoop path, directory or glob; the embedded Europarl sample when null),
                normalises and de-duplicates the documents, splits train/val by content hash, counts
                pre-tokens on Spark and learns byte-level BPE merges on the driver, then tokenizes on Spark
                and writes to data.output: tokenizer.json (Hugging Face layout), token shards (llm.c header),
                manifest.json (written last) and report.json. Re-running gives identical bytes.""";
    }

    @Override
    public int run(Invocation inv) throws IOException {
        RunDirectory runDir = RunDirectory.create(name(), inv.config());
        prepare(inv.config().config(), inv.out());
        inv.out().println("run directory: " + runDir.path());
        return 0;
    }

    /** Runs the preparation on a Spark session of its own and prints what was written (also the demo's first step). */
    public static PrepareJob.Result prepare(SparkMoeConfig config, PrintStream out) {
        DataConfig data = config.data();
        try (SparkSession spark = SparkSessions.start(config, "sparkmoe-prepare")) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            long start = System.nanoTime();
            PrepareJob.Result r = PrepareJob.run(sc, data, config.run().seed());
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("prepared %d documents into %s: vocabulary %d, %d train + %d val tokens in %d shards"
                            + " (%.1f s)%n", r.documents(), data.output(), r.manifest().vocabSize(),
                    r.manifest().tokens("train"), r.manifest().tokens("val"), r.manifest().shards().size(), seconds);
            if (r.clusters() != null) {
                out.printf("clustered into %d clusters: %s/clusters%n", data.clusters().count().get(), data.output());
            }
            return r;
        }
    }
}
