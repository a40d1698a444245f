package io.sparkmoe.data.prepare;

import io.sparkmoe.data.bpe.Encoder;
import io.sparkmoe.data.bpe.Tokenizer;
import io.sparkmoe.data.clean.CleanDocument;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardLayout;
import io.sparkmoe.data.shards.ShardWriter;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Tokenizes the documents of one writing group and writes their shards, one split (and cluster) after
 * the other, each in content-hash order. This is the body of a shard-writing Spark task and of the
 * single-JVM path alike, so both produce the same bytes.
 */
public final class GroupWriter {

    private GroupWriter() {
    }

    /**
     * Writes the shards of group {@code group}; {@code docs} are that group's documents in any order (they are
     * sorted here), all of cluster {@code cluster} ({@code null}: unclustered).
     */
    public static List<ShardEntry> write(FileSystem fs, Path dir, Tokenizer tokenizer, int shardTokens, int group,
                                         Integer cluster, List<CleanDocument> docs) {
        List<CleanDocument> sorted = new ArrayList<>(docs);
        sorted.sort(Comparator.comparing(d -> d.hash));
        Encoder encoder = tokenizer.encoder();
        List<ShardEntry> out = new ArrayList<>();
        for (String split : List.of("train", "val")) {
            ShardWriter w = new ShardWriter(fs, dir, ShardLayout.prefix(split, cluster, group), split, cluster,
                    tokenizer.endOfTextId(), tokenizer.vocabSize(), shardTokens);
            for (CleanDocument d : sorted) {
                if (d.split.equals(split)) {
                    w.add(encoder.encode(d.text));
                }
            }
            out.addAll(w.finish());
        }
        return out;
    }
}
