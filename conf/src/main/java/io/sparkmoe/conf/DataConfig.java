package io.sparkmoe.conf;

import java.util.List;
import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;
import static io.sparkmoe.conf.Key.between;

/**
 * Section {@code data}: the corpus, its cleaning and split, and where prepared shards go.
 *
 * @param input       Hadoop path, directory or glob of the corpus; empty means the embedded sample
 * @param format      how documents are laid out in the input files
 * @param textField   the JSON field holding the text, for JSONL input
 * @param output      where {@code prepare} writes the tokenizer, the shards and the manifest
 * @param minChars    shortest document kept, in characters after normalisation
 * @param maxChars    longest document kept
 * @param valFraction share of documents (by content hash) in the validation split
 * @param shardTokens tokens per shard file
 * @param writePartitions how many groups (one Spark task each) the shards are written in; the output
 *                        depends on it, not on the cluster
 * @param badDocuments  {@code fail} or {@code skip} a document with invalid UTF-8 or a bad JSONL line
 * @param maxDocuments  read only the first documents in input order; empty = all
 * @param tokenizer   the byte-level BPE settings
 * @param clusters    document clustering for decentralized training
 */
public record DataConfig(Optional<String> input, String format, String textField, String output, int minChars,
                         int maxChars, double valFraction, long shardTokens, int writePartitions, String badDocuments,
                         Optional<Long> maxDocuments, TokenizerConfig tokenizer, DocumentClustersConfig clusters) {

    /** Policies for a document that cannot be read. */
    public static final List<String> BAD_DOCUMENTS = List.of("fail", "skip");

    /** Input layouts: {@code auto} picks JSONL for {@code .jsonl} files, one document per file otherwise. */
    public static final List<String> FORMATS = List.of("auto", "text-file", "text-lines", "jsonl");

    static final Key<String> INPUT = Key.optional("data.input", ValueType.string(), null,
            "Hadoop path, directory or glob of the corpus (file://, hdfs://, s3a://); null = the embedded Europarl sample");
    static final Key<String> FORMAT = Key.required("data.format", ValueType.choice(FORMATS), "auto",
            "Document layout: auto (.jsonl → jsonl, else one document per file), text-file, text-lines, jsonl");
    static final Key<String> TEXT_FIELD = Key.required("data.text-field", ValueType.string(), "text",
            "JSON field with the document text, for jsonl input");
    static final Key<String> OUTPUT = Key.required("data.output", ValueType.string(), "work/data",
            "Where prepare writes tokenizer.json, token shards and manifest.json (any Hadoop path)");
    static final Key<Integer> MIN_CHARS = Key.required("data.min-chars", ValueType.integer(), 16,
            "Shortest document kept (characters, after NFC and control-character removal)").must(atLeast(0), ">= 0");
    static final Key<Integer> MAX_CHARS = Key.required("data.max-chars", ValueType.integer(), 1_000_000,
            "Longest document kept (characters)").must(atLeast(1), ">= 1");
    static final Key<Double> VAL_FRACTION = Key.required("data.val-fraction", ValueType.number(), 0.02,
            "Share of documents in the validation split, chosen by content hash").must(between(0, 0.5), "in [0, 0.5]");
    static final Key<Long> SHARD_TOKENS = Key.required("data.shard-tokens", ValueType.longInteger(), 1L << 20,
            "Tokens per shard file").must(v -> v >= 1024 && v <= Integer.MAX_VALUE, "in [1024, 2^31)");
    static final Key<Integer> WRITE_PARTITIONS = Key.required("data.write-partitions", ValueType.integer(), 4,
            "Groups the shards are written in, one Spark task each; the output depends on this, not on the cluster").must(atLeast(1), ">= 1");
    static final Key<String> BAD_DOCUMENTS_KEY = Key.required("data.bad-documents", ValueType.choice(BAD_DOCUMENTS), "fail",
            "A document with invalid UTF-8 or a bad JSONL line: fail (naming file and line) or skip (counted in report.json)");
    static final Key<Long> MAX_DOCUMENTS = Key.optional("data.max-documents", ValueType.longInteger(), null,
            "Read only the first N documents in input order (files sorted by name); null = all").must(v -> v >= 1, ">= 1");

    static DataConfig read(ConfigReader r) {
        DataConfig c = new DataConfig(r.getOptional(INPUT), r.get(FORMAT), r.get(TEXT_FIELD), r.get(OUTPUT),
                r.get(MIN_CHARS), r.get(MAX_CHARS), r.get(VAL_FRACTION), r.get(SHARD_TOKENS),
                r.get(WRITE_PARTITIONS), r.get(BAD_DOCUMENTS_KEY), r.getOptional(MAX_DOCUMENTS), TokenizerConfig.read(r), DocumentClustersConfig.read(r));
        r.check(c.minChars <= c.maxChars, "min-chars (" + c.minChars + ") exceeds max-chars (" + c.maxChars + ")",
                MIN_CHARS, MAX_CHARS);
        return c;
    }
}
