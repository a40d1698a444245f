package io.sparkmoe.data.shards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.data.DataException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code manifest.json}, written last next to the shards it lists:
 * {@code {"format": "sparkmoe-shards", "version": 1, "tokenizer_sha256", "vocab_size", "eot_id",
 * "shards": [{"path", "split", "cluster", "tokens", "documents", "sha256"}]}}.
 *
 * @param tokenizerSha256 SHA-256 of the {@code tokenizer.json} the ids belong to
 * @param vocabSize       the tokenizer's size (ids are below it)
 * @param eotId           the end-of-text id that precedes every document
 * @param shards          every shard, in a fixed order (split, cluster, name)
 */
public record Manifest(String tokenizerSha256, int vocabSize, int eotId, List<ShardEntry> shards) {

    public static final String FILE = "manifest.json";
    public static final String FORMAT = "sparkmoe-shards";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Manifest {
        shards = List.copyOf(shards);
    }

    /** The file's bytes. */
    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("tokenizer_sha256", tokenizerSha256);
        root.put("vocab_size", vocabSize);
        root.put("eot_id", eotId);
        var list = root.putArray("shards");
        for (ShardEntry s : shards) {
            ObjectNode n = list.addObject();
            n.put("path", s.path);
            n.put("split", s.split);
            if (s.cluster == null) {
                n.putNull("cluster");
            } else {
                n.put("cluster", s.cluster);
            }
            n.put("tokens", s.tokens);
            n.put("documents", s.documents);
            n.put("sha256", s.sha256);
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a manifest; {@code file} names it in errors. */
    public static Manifest parse(byte[] bytes, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new DataException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new DataException(file + ": not a shard manifest (format must be \"" + FORMAT + "\")");
        }
        if (root.path("version").asInt() != VERSION) {
            throw new DataException(file + ": manifest version " + root.path("version") + " is not " + VERSION);
        }
        List<ShardEntry> shards = new ArrayList<>();
        for (JsonNode n : root.path("shards")) {
            String path = n.path("path").asText("");
            String split = n.path("split").asText("");
            if (path.isEmpty() || path.contains("..") || path.startsWith("/") || !(split.equals("train") || split.equals("val"))) {
                throw new DataException(file + ": shard entry " + n + " needs a relative path and split train or val");
            }
            Integer cluster = n.path("cluster").isNumber() ? n.path("cluster").asInt() : null;
            shards.add(new ShardEntry(path, split, cluster, n.path("tokens").asLong(), n.path("documents").asLong(),
                    n.path("sha256").asText()));
        }
        return new Manifest(root.path("tokenizer_sha256").asText(), root.path("vocab_size").asInt(),
                root.path("eot_id").asInt(), shards);
    }

    /** Total tokens of the shards of {@code split}. */
    public long tokens(String split) {
        return shards.stream().filter(s -> s.split.equals(split)).mapToLong(s -> s.tokens).sum();
    }
}
