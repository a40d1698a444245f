package io.sparkmoe.train.checkpoint;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.data.clean.ContentHash;

/**
 * A checkpoint's {@code checksums.json}: the SHA-256 and size of every other file in it, checked when the checkpoint
 * is read. The {@code _COMMITTED} marker holds the SHA-256 of this file in turn, so every byte of a checkpoint is
 * covered and a damaged file is found before anything of it is used.
 *
 * @param files file name → digest
 */
public record Checksums(Map<String, Digest> files) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One file's SHA-256 (hex) and length. */
    public record Digest(String sha256, long bytes) {

        public static Digest of(byte[] content) {
            return new Digest(Checksums.sha256(content), content.length);
        }
    }

    public Checksums {
        files = Map.copyOf(files);
    }

    static String sha256(byte[] content) {
        return HexFormat.of().formatHex(ContentHash.sha256().digest(content));
    }

    public long totalBytes() {
        return files.values().stream().mapToLong(Digest::bytes).sum();
    }

    /** Refuses {@code content} unless it is what was recorded for {@code name}; {@code source} names the file. */
    void verify(String name, byte[] content, String source) {
        Digest expected = files.get(name);
        if (expected == null) {
            throw new CheckpointException(source + ": not listed in " + CheckpointLayout.CHECKSUMS
                    + " (expected one of " + new TreeMap<>(files).keySet() + ")");
        }
        Digest actual = Digest.of(content);
        if (!actual.equals(expected)) {
            throw new CheckpointException(source + ": damaged: " + actual.bytes() + " bytes with SHA-256 "
                    + actual.sha256() + ", " + CheckpointLayout.CHECKSUMS + " expects " + expected.bytes()
                    + " bytes with SHA-256 " + expected.sha256());
        }
    }

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode f = root.putObject("files");
        new TreeMap<>(files).forEach((name, d) -> f.putObject(name).put("sha256", d.sha256()).put("bytes", d.bytes()));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Checksums parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(source + ": not JSON (" + e.getMessage() + ")", e);
        }
        JsonNode f = root == null ? null : root.get("files");
        if (f == null || !f.isObject()) {
            throw new CheckpointException(source + ": expected {\"files\": {name: {\"sha256\", \"bytes\"}}}");
        }
        Map<String, Digest> files = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode d = e.getValue();
            if (!d.path("sha256").isTextual() || !d.path("bytes").canConvertToLong()) {
                throw new CheckpointException(source + ": entry '" + e.getKey() + "' needs \"sha256\" and \"bytes\"");
            }
            files.put(e.getKey(), new Digest(d.get("sha256").asText(), d.get("bytes").asLong()));
        }
        return new Checksums(files);
    }
}
