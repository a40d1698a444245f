package io.sparkmoe.data.shards;

import io.sparkmoe.data.clean.ContentHash;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Packs documents into shards of {@code shardTokens} tokens: each document is its end-of-text id followed
 * by its ids, and documents run on across shard boundaries (as in llm.c), so every shard but the last is
 * full. Shard {@code i} is written atomically as {@code <prefix>_<i:06d>.bin} in {@code dir}; names, order
 * and bytes depend only on the documents given, in their order.
 */
public final class ShardWriter {

    private final FileSystem fs;
    private final Path dir;
    private final String prefix;
    private final String split;
    private final Integer cluster;
    private final int eotId;
    private final int version;
    private final int[] buffer;
    private final List<ShardEntry> written = new ArrayList<>();
    private int size;
    private long documents;

    public ShardWriter(FileSystem fs, Path dir, String prefix, String split, Integer cluster, int eotId,
                       int vocabSize, int shardTokens) {
        this.fs = fs;
        this.dir = dir;
        this.prefix = prefix;
        this.split = split;
        this.cluster = cluster;
        this.eotId = eotId;
        this.version = ShardFormat.versionFor(vocabSize);
        this.buffer = new int[shardTokens];
    }

    /** Appends one document (its ids, without end-of-text). */
    public void add(int[] ids) {
        put(eotId);
        documents++;
        for (int id : ids) {
            put(id);
        }
    }

    private void put(int id) {
        if (size == buffer.length) {
            flush();
        }
        buffer[size++] = id;
    }

    private void flush() {
        String name = String.format("%s_%06d.bin", prefix, written.size());
        byte[] bytes = ShardFormat.encode(buffer, size, version);
        HadoopFiles.writeAtomically(fs, new Path(dir, name), bytes);
        String sha = HexFormat.of().formatHex(ContentHash.sha256().digest(bytes));
        written.add(new ShardEntry(name, split, cluster, size, documents, sha));
        size = 0;
        documents = 0;
    }

    /** Writes the last, partial shard and returns every shard written, in order. */
    public List<ShardEntry> finish() {
        if (size > 0) {
            flush();
        }
        return List.copyOf(written);
    }
}
