package io.sparkmoe.data.bpe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkmoe.data.DataException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tokenizer.json} in the Hugging Face {@code tokenizers} layout for byte-level BPE: no normalizer,
 * the {@code ByteLevel} pre-tokenizer (GPT-2 regex, no prefix space) and decoder, a {@code BPE} model whose
 * vocabulary is written in GPT-2's byte characters ({@link ByteLevel}) with merges as {@code "left right"},
 * and the special tokens as added tokens after the merges (also in the vocabulary, so the model's size is
 * the tokenizer's size). The bytes written depend only on the tokenizer, so its SHA-256 identifies it.
 */
public final class TokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerJson() {
    }

    /** The file's bytes (UTF-8, with a final newline). */
    public static byte[] write(Tokenizer t) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < t.specialTokens().size(); i++) {
            ObjectNode a = added.addObject();
            a.put("id", t.specialId(i));
            a.put("content", t.specialTokens().get(i));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putNull("normalizer");
        byteLevel(root.putObject("pre_tokenizer"), false, true);
        root.putNull("post_processor");
        byteLevel(root.putObject("decoder"), true, true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        String[] names = tokenNames(t);
        for (int id = 0; id < names.length; id++) {
            vocab.put(names[id], id);
        }
        ArrayNode merges = model.putArray("merges");
        for (int i = 0; i < t.mergeCount(); i++) {
            int[] m = t.merge(i);
            merges.add(names[m[0]] + " " + names[m[1]]);
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void byteLevel(ObjectNode node, boolean addPrefixSpace, boolean trimOffsets) {
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", addPrefixSpace);
        node.put("trim_offsets", trimOffsets);
        node.put("use_regex", true);
    }

    private static String[] tokenNames(Tokenizer t) {
        String[] names = new String[t.vocabSize()];
        int ordinary = 256 + t.mergeCount();
        for (int id = 0; id < ordinary; id++) {
            names[id] = ByteLevel.encode(t.rawBytes(id));
        }
        for (int i = 0; i < t.specialTokens().size(); i++) {
            names[ordinary + i] = t.specialTokens().get(i);
        }
        return names;
    }

    /**
     * Reads a file written by {@link #write}; {@code file} names it in errors. Checks the layout this
     * project writes (byte-level pieces, ids 0–255 for the bytes in order, one id per merge in order,
     * special tokens after them).
     */
    public static Tokenizer read(byte[] bytes, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new DataException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "not a JSON object");
        }
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText()) || !"ByteLevel".equals(root.path("pre_tokenizer").path("type").asText())) {
            throw bad(file, "not a byte-level BPE tokenizer (model.type must be BPE, pre_tokenizer.type ByteLevel)");
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null || id != b) {
                throw bad(file, "byte " + b + " must have id " + b + " in model.vocab");
            }
        }
        List<int[]> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            String[] parts = m.isArray() ? new String[]{m.path(0).asText(), m.path(1).asText()} : m.asText().split(" ", -1);
            Integer l = parts.length == 2 ? vocab.get(parts[0]) : null;
            Integer r = parts.length == 2 ? vocab.get(parts[1]) : null;
            Integer merged = parts.length == 2 ? vocab.get(parts[0] + parts[1]) : null;
            if (l == null || r == null || merged == null || merged != 256 + merges.size()) {
                throw bad(file, "merge " + merges.size() + " (" + m + ") does not match model.vocab");
            }
            merges.add(new int[]{l, r});
        }
        List<String> specials = new ArrayList<>();
        for (JsonNode a : root.path("added_tokens")) {
            if (a.path("id").asInt(-1) != 256 + merges.size() + specials.size()) {
                throw bad(file, "added token " + a.path("content") + " must follow the merges in order");
            }
            specials.add(a.path("content").asText());
        }
        if (specials.size() < 2) {
            throw bad(file, "needs at least two special tokens (end-of-text, padding) in added_tokens");
        }
        if (vocab.size() != 256 + merges.size() + specials.size()) {
            throw bad(file, "model.vocab has " + vocab.size() + " entries but bytes + merges + special tokens make "
                    + (256 + merges.size() + specials.size()));
        }
        try {
            return Tokenizer.fromMerges(merges, specials);
        } catch (IllegalArgumentException e) {
            throw bad(file, e.getMessage());
        }
    }

    private static DataException bad(String file, String what) {
        return new DataException(file + ": " + what);
    }
}
