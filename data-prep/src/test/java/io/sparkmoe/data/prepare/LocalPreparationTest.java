package io.sparkmoe.data.prepare;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.data.DataException;
import io.sparkmoe.data.bpe.Encoder;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.corpus.Document;
import io.sparkmoe.data.corpus.ReadCounts;
import io.sparkmoe.data.shards.Manifest;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The single-JVM prepare on a slice of the default corpus: outputs, byte identity, and every check on read. */
class LocalPreparationTest {

    static final Configuration CONF = new Configuration();

    @TempDir
    static Path root;
    static Path out;

    static DataConfig config(Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("data.output=" + output.toUri(), "data.max-documents=1500",
                "data.tokenizer.vocab-size=600", "data.shard-tokens=20000", "data.write-partitions=3", "data.val-fraction=0.1"));
        args.addAll(List.of(more));
        return ConfigLoader.load(Optional.empty(), args).config().data();
    }

    static Manifest prepare(DataConfig data) {
        ReadCounts read = new ReadCounts();
        List<Document> docs = LocalPreparation.read(CONF, data, read);
        return LocalPreparation.run(CONF, data, "embedded", docs, read);
    }

    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @BeforeAll
    static void prepareOnce() {
        out = root.resolve("out");
        prepare(config(out));
    }

    @Test
    void writesTokenizerShardsManifestAndReport() throws IOException {
        ShardSet set = ShardSet.open(CONF, out.toUri().toString());
        Manifest m = set.manifest();
        assertEquals(600, m.vocabSize());
        assertEquals(598, m.eotId());
        List<ShardEntry> train = set.entries("train", null);
        assertTrue(train.size() >= 3 && !set.entries("val", null).isEmpty(), m.shards().toString());
        Encoder enc = TokenizerJson.read(Files.readAllBytes(out.resolve("tokenizer.json")), "t").encoder();
        long docs = 0;
        for (ShardEntry e : m.shards()) {
            int[] ids = set.load(e);
            for (int id : ids) {
                docs += id == m.eotId() ? 1 : 0;
            }
        }
        assertEquals(m.shards().stream().mapToLong(s -> s.documents).sum(), docs);
        int[] first = set.load(train.get(0));
        assertEquals(m.eotId(), first[0], "a shard of a group starts with a document");
        int end = 1;
        while (first[end] != m.eotId()) {
            end++;
        }
        String text = enc.decode(java.util.Arrays.copyOfRange(first, 1, end));
        assertTrue(text.length() >= 16, text);
        String report = Files.readString(out.resolve("report.json"));
        assertTrue(report.contains("\"documents_read\" : 1500"), report);
    }

    @Test
    void reRunningGivesIdenticalBytes() throws IOException {
        Path again = root.resolve("again");
        prepare(config(again));
        Map<String, byte[]> a = files(out);
        Map<String, byte[]> b = files(again);
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, bytes) -> assertTrue(java.util.Arrays.equals(bytes, b.get(name)), name));
        prepare(config(again));
        assertEquals(a.keySet(), files(again).keySet(), "a re-run into the same directory leaves no stale file");
    }

    @Test
    void aBitFlipOrTruncationInAShardIsNamedOnLoad() throws IOException {
        Path copy = copyOf("flip");
        ShardSet set = ShardSet.open(CONF, copy.toUri().toString());
        ShardEntry e = set.manifest().shards().get(1);
        Path shard = copy.resolve(e.path);
        byte[] bytes = Files.readAllBytes(shard);
        bytes[2000] ^= 0x10;
        Files.write(shard, bytes);
        String msg = assertThrows(DataException.class, () -> set.load(e)).getMessage();
        assertTrue(msg.contains(e.path) && msg.contains("SHA-256"), msg);
        Files.write(shard, java.util.Arrays.copyOf(bytes, 500));
        msg = assertThrows(DataException.class, () -> set.load(e)).getMessage();
        assertTrue(msg.contains(e.path) && msg.contains("truncated"), msg);
        Files.delete(shard);
        msg = assertThrows(DataException.class, () -> set.load(e)).getMessage();
        assertTrue(msg.contains(e.path) && msg.contains("missing"), msg);
    }

    @Test
    void aManifestThatDoesNotMatchItsShardsOrTokenizerIsNamed() throws IOException {
        Path copy = copyOf("mismatch");
        Path manifest = copy.resolve("manifest.json");
        String text = Files.readString(manifest);
        ShardEntry e = ShardSet.open(CONF, copy.toUri().toString()).manifest().shards().get(0);
        Files.writeString(manifest, text.replace("\"tokens\" : " + e.tokens, "\"tokens\" : " + (e.tokens + 1)));
        ShardSet changed = ShardSet.open(CONF, copy.toUri().toString());
        String msg = assertThrows(DataException.class, () -> changed.load(changed.manifest().shards().get(0))).getMessage();
        assertTrue(msg.contains(e.path) && msg.contains("manifest says"), msg);

        Files.writeString(manifest, text);
        Path tok = copy.resolve("tokenizer.json");
        Files.writeString(tok, Files.readString(tok).replace("\"<|pad|>\"", "\"<|pad2|>\""));
        msg = assertThrows(DataException.class, () -> ShardSet.open(CONF, copy.toUri().toString())).getMessage();
        assertTrue(msg.contains("tokenizer.json") && msg.contains("does not match"), msg);

        Files.writeString(manifest, "{\"format\": \"other\"}");
        msg = assertThrows(DataException.class, () -> ShardSet.open(CONF, copy.toUri().toString())).getMessage();
        assertTrue(msg.contains("manifest.json") && msg.contains("not a shard manifest"), msg);
    }

    @Test
    void anEmptyCorpusIsAnErrorAndLeavesNoManifest() throws IOException {
        Path input = Files.createDirectories(root.resolve("blank"));
        Files.writeString(input.resolve("a.txt"), "tiny", StandardCharsets.UTF_8);
        Path empty = root.resolve("empty-out");
        DataConfig data = config(empty, "data.input=" + input.toUri());
        String msg = assertThrows(DataException.class, () -> prepare(data)).getMessage();
        assertTrue(msg.contains("empty corpus"), msg);
        assertTrue(!Files.exists(empty.resolve("manifest.json")));
    }

    static Path copyOf(String name) throws IOException {
        Path copy = Files.createDirectories(root.resolve(name));
        for (Map.Entry<String, byte[]> f : files(out).entrySet()) {
            if (f.getKey().endsWith(".crc")) {
                continue; // the local file system's own checksums: the test damages files behind its back
            }
            Files.write(copy.resolve(f.getKey()), f.getValue());
        }
        return copy;
    }
}
