package io.sparkmoe.data.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.data.DataException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerJsonTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void hasTheHuggingFaceByteLevelBpeLayout() throws Exception {
        JsonNode root = JSON.readTree(TokenizerJson.write(CorpusTokenizer.TOKENIZER));
        assertTrue(root.path("normalizer").isNull());
        assertEquals("ByteLevel", root.path("pre_tokenizer").path("type").asText());
        assertEquals(false, root.path("pre_tokenizer").path("add_prefix_space").asBoolean(true));
        assertEquals(true, root.path("pre_tokenizer").path("use_regex").asBoolean(false));
        assertEquals("ByteLevel", root.path("decoder").path("type").asText());
        JsonNode model = root.path("model");
        assertEquals("BPE", model.path("type").asText());
        assertEquals(1024, model.path("vocab").size());
        assertEquals(32, model.path("vocab").path("Ġ").asInt(), "space is Ġ, id = its byte");
        assertEquals(1024 - 256 - 2, model.path("merges").size());
        assertEquals("<|endoftext|>", root.path("added_tokens").path(0).path("content").asText());
        assertEquals(1022, root.path("added_tokens").path(0).path("id").asInt());
        assertEquals(1022, model.path("vocab").path("<|endoftext|>").asInt());
        assertTrue(root.path("added_tokens").path(1).path("special").asBoolean());
    }

    @Test
    void readsBackTheSameTokenizer() {
        byte[] bytes = TokenizerJson.write(CorpusTokenizer.TOKENIZER);
        Tokenizer back = TokenizerJson.read(bytes, "tokenizer.json");
        assertArrayEquals(bytes, TokenizerJson.write(back));
    }

    @Test
    void aDamagedFileIsNamed() {
        String text = new String(TokenizerJson.write(CorpusTokenizer.TOKENIZER), StandardCharsets.UTF_8);
        DataException e = assertThrows(DataException.class, () ->
                TokenizerJson.read(text.replace("\"BPE\"", "\"WordPiece\"").getBytes(StandardCharsets.UTF_8), "x/tokenizer.json"));
        assertTrue(e.getMessage().startsWith("x/tokenizer.json: "), e.getMessage());
        assertThrows(DataException.class, () -> TokenizerJson.read("{".getBytes(StandardCharsets.UTF_8), "t.json"));
    }

    /**
     * The Hugging Face {@code tokenizers} library loads our file and gives our ids on every 20th document
     * of the default corpus. Needs a Python with {@code tokenizers}: {@code SPARKMOE_HF_PYTHON} names it
     * (skipped, saying so, without one).
     */
    @Test
    void huggingFaceTokenizersGivesTheSameIds() throws Exception {
        String python = System.getenv("SPARKMOE_HF_PYTHON");
        Assumptions.assumeTrue(python != null && !python.isBlank(),
                "set SPARKMOE_HF_PYTHON to a Python with the 'tokenizers' package to run this comparison");
        Path tok = dir.resolve("tokenizer.json");
        Files.write(tok, TokenizerJson.write(CorpusTokenizer.TOKENIZER));
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < CorpusTokenizer.TEXTS.size(); i += 20) {
            texts.add(CorpusTokenizer.TEXTS.get(i));
        }
        texts.add("Tabs\tand\n\nnew lines  with   spaces, 'll 've 123 ½ 😀 e\u0301 ");
        Path in = dir.resolve("texts.json");
        JSON.writeValue(in.toFile(), texts);
        Path out = dir.resolve("ids.json");
        Path script = Path.of("src/test/python/hf_encode.py").toAbsolutePath();
        Process p = new ProcessBuilder(python, script.toString(), tok.toString(), in.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), log);
        JsonNode ids = JSON.readTree(out.toFile());
        Encoder e = CorpusTokenizer.TOKENIZER.encoder();
        for (int i = 0; i < texts.size(); i++) {
            int[] hf = JSON.treeToValue(ids.get(i), int[].class);
            assertArrayEquals(e.encode(texts.get(i)), hf, "text " + i);
        }
    }
}
