package io.sparkmoe.data.prepare;

import io.sparkmoe.data.DataException;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.clean.ContentHash;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The output directory of {@code prepare} ({@code data.output}) and the order it is written in, which is
 * what makes a half-written output never look complete: {@link #begin} deletes the manifest first, then the
 * files of an earlier run; shards and the tokenizer are written atomically; the manifest goes last.
 */
public final class PreparedOutput {

    public static final String REPORT_FILE = "report.json";

    private final FileSystem fs;
    private final Path dir;

    public PreparedOutput(Configuration conf, String dir) {
        this.dir = new Path(dir);
        try {
            this.fs = this.dir.getFileSystem(conf);
        } catch (IOException e) {
            throw new DataException(dir + ": cannot open file system (" + e.getMessage() + ")", e);
        }
    }

    public FileSystem fs() {
        return fs;
    }

    public Path dir() {
        return dir;
    }

    /** Makes the directory and removes an earlier run's outputs, manifest first. Foreign files are left alone. */
    public void begin() {
        try {
            fs.mkdirs(dir);
            fs.delete(new Path(dir, Manifest.FILE), false);
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                boolean ours = name.endsWith(".bin") || name.endsWith(".tmp") || name.equals(ShardSet.TOKENIZER_FILE)
                        || name.equals(REPORT_FILE) || name.equals("clusters");
                if (ours) {
                    fs.delete(f.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new DataException(dir + ": cannot prepare the output directory (" + e.getMessage() + ")", e);
        }
    }

    /** Writes {@code tokenizer.json} and returns its SHA-256. */
    public String writeTokenizer(Tokenizer tokenizer) {
        byte[] bytes = TokenizerJson.write(tokenizer);
        HadoopFiles.writeAtomically(fs, new Path(dir, ShardSet.TOKENIZER_FILE), bytes);
        return HexFormat.of().formatHex(ContentHash.sha256().digest(bytes));
    }

    /** Writes the manifest, shards sorted by split (train first), cluster and name; returns it. */
    public Manifest writeManifest(String tokenizerSha256, Tokenizer tokenizer, List<ShardEntry> shards) {
        List<ShardEntry> sorted = new ArrayList<>(shards);
        sorted.sort(ORDER);
        Manifest m = new Manifest(tokenizerSha256, tokenizer.vocabSize(), tokenizer.endOfTextId(), sorted);
        HadoopFiles.writeAtomically(fs, new Path(dir, Manifest.FILE), m.toJson());
        return m;
    }

    /** Writes {@code report.json}. */
    public void writeReport(byte[] json) {
        HadoopFiles.writeAtomically(fs, new Path(dir, REPORT_FILE), json);
    }

    static final Comparator<ShardEntry> ORDER = Comparator
            .comparing((ShardEntry s) -> s.split.equals("train") ? 0 : 1)
            .thenComparing(s -> s.cluster == null ? -1 : s.cluster)
            .thenComparing(s -> s.path);
}
