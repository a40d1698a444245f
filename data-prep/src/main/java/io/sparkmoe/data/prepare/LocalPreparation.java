package io.sparkmoe.data.prepare;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.data.bpe.BpeTrainer;
import io.sparkmoe.data.bpe.Tokenizer;
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
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardLayout;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole of {@code prepare} in one JVM, step for step what the Spark job distributes: read → clean →
 * de-duplicate → count words of the training split → learn merges → write tokenizer, shards (by writing
 * group), manifest and report. It is the reference the Spark job is compared with byte for byte, and the
 * data path of the unit tests and of the benchmark.
 */
public final class LocalPreparation {

    private LocalPreparation() {
    }

    /** Reads the configured input (the embedded corpus when none), in input order, honouring max-documents. */
    public static List<Document> read(Configuration conf, DataConfig data, ReadCounts counts) {
        long limit = data.maxDocuments().orElse(Long.MAX_VALUE);
        if (data.input().isEmpty()) {
            List<Document> docs = EmbeddedCorpus.first(limit);
            counts.documents = docs.size();
            return docs;
        }
        List<Document> docs = new ArrayList<>();
        DocumentReader reader = new DocumentReader(data.textField(), data.badDocuments().equals("skip"));
        for (String file : InputFiles.list(conf, data.input().get())) {
            Path p = new Path(file);
            counts.add(reader.read(conf, p, InputFormat.resolve(data.format(), p.getName()), docs::add));
        }
        List<Document> kept = docs.size() > limit ? docs.subList(0, (int) limit) : docs;
        counts.documents = kept.size();
        return kept;
    }

    /** Runs prepare on {@code docs} into {@code data.output()}; returns the manifest. */
    public static Manifest run(Configuration conf, DataConfig data, String inputName, List<Document> docs,
                               ReadCounts read) {
        DocumentCleaner cleaner = new DocumentCleaner(data.minChars(), data.maxChars(), data.valFraction());
        CleanCounts clean = new CleanCounts();
        Map<String, CleanDocument> unique = new HashMap<>();
        for (Document d : docs) {
            CleanDocument c = cleaner.clean(d, clean);
            if (c != null) {
                unique.merge(c.hash, c, CleanDocument::keep);
            }
        }
        Preconditions.nonEmpty(unique.size(), inputName);
        Map<String, Long> words = new HashMap<>();
        unique.values().stream().filter(d -> d.split.equals("train")).forEach(d -> WordCounter.count(d.text, words));
        Tokenizer tokenizer = new BpeTrainer(data.tokenizer().vocabSize(), data.tokenizer().minFrequency(),
                data.tokenizer().specialTokens()).train(words);

        PreparedOutput out = new PreparedOutput(conf, data.output());
        out.begin();
        String sha = out.writeTokenizer(tokenizer);
        Map<Integer, List<CleanDocument>> groups = new TreeMap<>();
        for (CleanDocument d : unique.values()) {
            groups.computeIfAbsent(ShardLayout.group(d.hash, data.writePartitions()), g -> new ArrayList<>()).add(d);
        }
        List<ShardEntry> shards = new ArrayList<>();
        groups.forEach((g, list) -> shards.addAll(GroupWriter.write(out.fs(), out.dir(), tokenizer,
                (int) data.shardTokens(), g, null, list)));
        long train = unique.values().stream().filter(d -> d.split.equals("train")).count();
        Manifest manifest = out.writeManifest(sha, tokenizer, shards);
        ObjectNode report = PrepareReport.of(inputName, read, clean, unique.size(), train, unique.size() - train,
                tokenizer.mergeCount(), manifest);
        out.writeReport(PrepareReport.bytes(report));
        return manifest;
    }
}
