package io.sparkmoe.data.shards;

import io.sparkmoe.data.DataException;
import io.sparkmoe.data.clean.ContentHash;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Prepared data as training reads it: a manifest and the tokenizer next to it, checked on open, and the
 * shards of one split (and optionally one cluster), each checked when loaded — header, length, token count
 * and SHA-256 against the manifest, ids against the vocabulary. Every error names the file that is wrong.
 */
public final class ShardSet {

    public static final String TOKENIZER_FILE = "tokenizer.json";

    private final FileSystem fs;
    private final Path dir;
    private final Manifest manifest;

    private ShardSet(FileSystem fs, Path dir, Manifest manifest) {
        this.fs = fs;
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Opens the prepared data in {@code dir}: reads the manifest and checks the tokenizer's hash. */
    public static ShardSet open(Configuration conf, String dir) {
        Path d = new Path(dir);
        FileSystem fs;
        try {
            fs = d.getFileSystem(conf);
        } catch (IOException e) {
            throw new DataException(dir + ": cannot open file system (" + e.getMessage() + ")", e);
        }
        Path manifestFile = new Path(d, Manifest.FILE);
        Manifest m = Manifest.parse(HadoopFiles.readAll(fs, manifestFile), manifestFile.toString());
        Path tokenizer = new Path(d, TOKENIZER_FILE);
        String sha = sha256(HadoopFiles.readAll(fs, tokenizer));
        if (!sha.equals(m.tokenizerSha256())) {
            throw new DataException(tokenizer + ": SHA-256 " + sha + " does not match tokenizer_sha256 "
                    + m.tokenizerSha256() + " in " + manifestFile + " (the shards were made with another tokenizer)");
        }
        return new ShardSet(fs, d, m);
    }

    public Manifest manifest() {
        return manifest;
    }

    public Path tokenizerPath() {
        return new Path(dir, TOKENIZER_FILE);
    }

    /** The entries of {@code split} and {@code cluster} ({@code null}: the shards of the whole corpus). */
    public List<ShardEntry> entries(String split, Integer cluster) {
        return manifest.shards().stream()
                .filter(s -> s.split.equals(split) && Objects.equals(s.cluster, cluster)).toList();
    }

    /** Loads and checks one shard. */
    public int[] load(ShardEntry entry) {
        Path file = new Path(dir, entry.path);
        byte[] bytes = HadoopFiles.readAll(fs, file);
        String sha = sha256(bytes);
        if (!sha.equals(entry.sha256)) {
            String detail = bytes.length >= ShardFormat.HEADER_BYTES ? "" : " (truncated)";
            throw new DataException(file + ": SHA-256 " + sha + " does not match " + entry.sha256 + " in the manifest"
                    + detail + "; the shard is corrupt or from another run");
        }
        int[] ids = ShardFormat.decode(bytes, manifest.vocabSize(), file.toString());
        if (ids.length != entry.tokens) {
            throw new DataException(file + ": holds " + ids.length + " tokens, the manifest says " + entry.tokens);
        }
        return ids;
    }

    /** Loads and checks every shard of {@code split} and {@code cluster}. */
    public List<int[]> loadAll(String split, Integer cluster) {
        List<int[]> out = new ArrayList<>();
        for (ShardEntry e : entries(split, cluster)) {
            out.add(load(e));
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(ContentHash.sha256().digest(bytes));
    }
}
