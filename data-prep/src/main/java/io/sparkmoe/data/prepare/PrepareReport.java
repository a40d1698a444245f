package io.sparkmoe.data.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.data.clean.CleanCounts;
import io.sparkmoe.data.corpus.ReadCounts;
import io.sparkmoe.data.shards.Manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code report.json}: what {@code prepare} read, dropped and wrote — documents read and skipped (invalid
 * UTF-8, bad JSON), dropped by length, duplicates, documents and tokens per split, the vocabulary. Only
 * counts, so re-running gives the same file.
 */
public final class PrepareReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PrepareReport() {
    }

    public static ObjectNode of(String input, ReadCounts read, CleanCounts clean, long unique, long trainDocs,
                                long valDocs, int merges, Manifest manifest) {
        ObjectNode r = JSON.createObjectNode();
        r.put("input", input);
        r.put("documents_read", read.documents);
        r.put("skipped_invalid_utf8", read.invalidUtf8);
        r.put("skipped_invalid_json", read.invalidJson);
        r.put("dropped_too_short", clean.tooShort);
        r.put("dropped_too_long", clean.tooLong);
        r.put("duplicates", clean.kept - unique);
        r.put("documents_train", trainDocs);
        r.put("documents_val", valDocs);
        r.put("tokens_train", manifest.tokens("train"));
        r.put("tokens_val", manifest.tokens("val"));
        r.put("vocab_size", manifest.vocabSize());
        r.put("merges", merges);
        r.put("shards", manifest.shards().size());
        return r;
    }

    public static byte[] bytes(ObjectNode report) {
        try {
            return (JSON.writeValueAsString(report) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
