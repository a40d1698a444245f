package io.sparkmoe.jobs.prepare;

import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.data.bpe.BpeTrainer;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.bpe.WordCounter;
import io.sparkmoe.data.clean.CleanCounts;
import io.sparkmoe.data.clean.CleanDocument;
import io.sparkmoe.data.clean.DocumentCleaner;
import io.sparkmoe.data.corpus.Document;
import io.sparkmoe.data.corpus.DocumentReader;
import io.sparkmoe.data.corpus.EmbeddedCorpus;
import io.sparkmoe.data.corpus.InputFiles;
import io.sparkmoe.data.corpus.InputFormat;
import io.sparkmoe.data.corpus.ReadCounts;
import io.sparkmoe.data.prepare.GroupWriter;
import io.sparkmoe.data.prepare.Preconditions;
import io.sparkmoe.data.prepare.PrepareReport;
import io.sparkmoe.data.prepare.PreparedOutput;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardLayout;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code prepare} on Spark. Each step distributes a data-prep function and holds no algorithm of its own:
 * files are read one per task ({@link DocumentReader}); documents are cleaned ({@link DocumentCleaner}) and
 * de-duplicated by content hash ({@link CleanDocument#keep}); the training split's pre-tokens are counted
 * ({@link WordCounter}) and summed; the driver learns the merges ({@link BpeTrainer}); each writing group is
 * tokenized and written by one task ({@link GroupWriter}); the driver writes the manifest last. The output
 * equals {@code LocalPreparation}'s byte for byte.
 */
public final class PrepareJob {

    private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);

    private PrepareJob() {
    }

    /** What one run produced. */
    public record Result(Manifest manifest, long inputBytes, long documents, Tokenizer tokenizer,
                         ClusterJob.Result clusters) {
    }

    public static Result run(JavaSparkContext sc, DataConfig data, long seed) {
        HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
        PrepareCounters counters = new PrepareCounters(sc);
        String inputName = data.input().orElse(EmbeddedCorpus.SOURCE);

        JavaRDD<Document> docs = read(sc, data, conf, counters);
        DocumentCleaner cleaner = new DocumentCleaner(data.minChars(), data.maxChars(), data.valFraction());
        JavaRDD<CleanDocument> unique = docs.mapPartitions(it -> {
                    CleanCounts counts = new CleanCounts();
                    List<CleanDocument> out = new ArrayList<>();
                    it.forEachRemaining(d -> {
                        CleanDocument c = cleaner.clean(d, counts);
                        if (c != null) {
                            out.add(c);
                        }
                    });
                    counters.add(counts);
                    return out.iterator();
                })
                .mapToPair(d -> new Tuple2<>(d.hash, d))
                .reduceByKey(CleanDocument::keep)
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK());
        long documents = unique.count();
        Preconditions.nonEmpty(documents, inputName);
        long train = unique.filter(d -> d.split.equals("train")).count();
        long inputBytes = unique.map(d -> (long) d.text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).fold(0L, Long::sum);

        Map<String, Long> words = countWords(unique);
        LOG.info("{} distinct pre-tokens in the training split; learning merges on the driver", words.size());
        Tokenizer tokenizer = new BpeTrainer(data.tokenizer().vocabSize(), data.tokenizer().minFrequency(),
                data.tokenizer().specialTokens()).train(words);

        PreparedOutput out = new PreparedOutput(conf.get(), data.output());
        out.begin();
        String sha = out.writeTokenizer(tokenizer);
        List<ShardEntry> shards = writeShards(sc, data, conf, unique, TokenizerJson.write(tokenizer));
        Manifest manifest = out.writeManifest(sha, tokenizer, shards);
        out.writeReport(PrepareReport.bytes(PrepareReport.of(inputName, counters.read(), counters.clean(), documents,
                train, documents - train, tokenizer.mergeCount(), manifest)));
        ClusterJob.Result clusters = data.clusters().count().isEmpty() ? null
                : ClusterJob.run(sc, data, conf, unique, tokenizer, seed);
        unique.unpersist();
        return new Result(manifest, inputBytes, documents, tokenizer, clusters);
    }

    /** The documents in input order: the embedded sample from the driver, or one task per input file. */
    static JavaRDD<Document> read(JavaSparkContext sc, DataConfig data, HadoopConf conf, PrepareCounters counters) {
        long limit = data.maxDocuments().orElse(Long.MAX_VALUE);
        if (data.input().isEmpty()) {
            List<Document> kept = EmbeddedCorpus.first(limit);
            ReadCounts r = new ReadCounts();
            r.documents = kept.size();
            counters.add(r);
            return sc.parallelize(new ArrayList<>(kept), Math.max(2, sc.defaultParallelism()));
        }
        List<String> files = InputFiles.list(conf.get(), data.input().get());
        LOG.info("reading {} files from {}", files.size(), data.input().get());
        String format = data.format();
        DocumentReader reader = new DocumentReader(data.textField(), data.badDocuments().equals("skip"));
        JavaRDD<Document> docs = sc.parallelize(files, files.size()).flatMap(file -> {
            List<Document> out = new ArrayList<>();
            Path p = new Path(file);
            ReadCounts r = reader.read(conf.get(), p, InputFormat.resolve(format, p.getName()), out::add);
            if (limit == Long.MAX_VALUE) {
                counters.add(r);
            }
            return out.iterator();
        });
        if (limit == Long.MAX_VALUE) {
            return docs;
        }
        JavaRDD<Document> first = docs.zipWithIndex().filter(t -> t._2() < limit).map(Tuple2::_1);
        ReadCounts r = new ReadCounts();
        r.documents = first.count();
        counters.add(r);
        return first;
    }

    /** Pre-token counts of the training split, summed across tasks. */
    static Map<String, Long> countWords(JavaRDD<CleanDocument> unique) {
        return new HashMap<>(unique.filter(d -> d.split.equals("train"))
                .mapPartitionsToPair(it -> {
                    Map<String, Long> counts = new HashMap<>();
                    it.forEachRemaining(d -> WordCounter.count(d.text, counts));
                    List<Tuple2<String, Long>> out = new ArrayList<>(counts.size());
                    counts.forEach((w, c) -> out.add(new Tuple2<>(w, c)));
                    return out.iterator();
                })
                .reduceByKey(Long::sum)
                .collectAsMap());
    }

    /** One task per writing group: tokenize its documents and write its shards. */
    static List<ShardEntry> writeShards(JavaSparkContext sc, DataConfig data, HadoopConf conf,
                                        JavaRDD<CleanDocument> unique, byte[] tokenizerJson) {
        int groups = data.writePartitions();
        return writeSlots(sc, data, conf, data.output(), unique.mapToPair(d ->
                new Tuple2<>(ShardLayout.group(d.hash, groups), d)), groups, false, tokenizerJson);
    }

    /**
     * Writes shards from documents keyed by slot, one task per slot: slot = cluster × groups + group when
     * {@code clustered}, the group otherwise. Returns every shard written.
     */
    static List<ShardEntry> writeSlots(JavaSparkContext sc, DataConfig data, HadoopConf conf, String output,
                                       JavaPairRDD<Integer, CleanDocument> bySlot, int slots, boolean clustered,
                                       byte[] tokenizerJson) {
        Broadcast<byte[]> tok = sc.broadcast(tokenizerJson);
        int groups = data.writePartitions();
        int shardTokens = (int) data.shardTokens();
        List<ShardEntry> shards = bySlot.partitionBy(new HashPartitioner(slots)).mapPartitionsWithIndex((slot, it) -> {
            List<CleanDocument> docs = new ArrayList<>();
            it.forEachRemaining(t -> docs.add(t._2()));
            if (docs.isEmpty()) {
                return new ArrayList<ShardEntry>().iterator();
            }
            Tokenizer tokenizer = TokenizerJson.read(tok.value(), "tokenizer.json (broadcast)");
            PreparedOutput out = new PreparedOutput(conf.get(), output);
            return GroupWriter.write(out.fs(), out.dir(), tokenizer, shardTokens, slot % groups,
                    clustered ? slot / groups : null, docs).iterator();
        }, true).collect();
        tok.destroy();
        return shards;
    }
}
