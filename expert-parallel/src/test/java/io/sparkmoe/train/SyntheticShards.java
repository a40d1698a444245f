package io.sparkmoe.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.data.shards.ShardWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Prepared data written with data-prep's own shard writer and manifest: documents that count up from a random
 * start (mod V − 1), so the next token is predictable and a tiny model's loss falls within a few dozen steps.
 */
public final class SyntheticShards {

    public static final int VOCAB = 32;
    static final int EOT = VOCAB - 1;

    private SyntheticShards() {
    }

    public static ShardSet write(Path dir, long seed) throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(dir.toUri());
        Random random = new Random(seed);
        List<ShardEntry> entries = new ArrayList<>();
        for (String split : List.of("train", "val")) {
            ShardWriter w = new ShardWriter(fs, out, split + "_p00000", split, null, EOT, VOCAB, 2000);
            for (int d = 0; d < (split.equals("train") ? 100 : 20); d++) {
                int[] doc = new int[20 + random.nextInt(40)];
                int first = random.nextInt(EOT);
                for (int i = 0; i < doc.length; i++) {
                    doc[i] = (first + i) % EOT;
                }
                w.add(doc);
            }
            entries.addAll(w.finish());
        }
        byte[] tokenizer = "{\"synthetic\": true}".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(ShardSet.TOKENIZER_FILE), tokenizer);
        Files.write(dir.resolve(Manifest.FILE), new Manifest(sha256(tokenizer), VOCAB, EOT, entries).toJson());
        return ShardSet.open(new Configuration(), dir.toUri().toString());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
