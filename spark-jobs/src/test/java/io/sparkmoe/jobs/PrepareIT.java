package io.sparkmoe.jobs;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.DataConfig;
import io.sparkmoe.data.corpus.Document;
import io.sparkmoe.data.corpus.ReadCounts;
import io.sparkmoe.data.prepare.LocalPreparation;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparkmoe prepare} on {@code local[2]} with the embedded corpus, as a user runs it: its output is the
 * single-JVM reference's byte for byte, and a re-run reproduces it. Under {@code CI=true} a slice of the
 * corpus and a small vocabulary keep it short.
 */
class PrepareIT {

    static final boolean CI = "true".equals(System.getenv("CI"));

    @TempDir
    static Path dir;

    static List<String> settings(Path output) {
        return List.of("cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false", "run.dir=" + dir.resolve("runs"),
                "data.output=" + output.toUri(), "data.max-documents=" + (CI ? 2000 : 8000),
                "data.tokenizer.vocab-size=" + (CI ? 800 : 2048), "data.shard-tokens=" + (CI ? 50_000 : 200_000),
                "data.write-partitions=3");
    }

    static MainTest.Result prepare(Path output) {
        List<String> args = new ArrayList<>(List.of("prepare"));
        args.addAll(settings(output));
        return MainTest.run(args.toArray(String[]::new));
    }

    static Map<String, byte[]> files(Path d) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertTrue(Arrays.equals(bytes, actual.get(name)), name + " differs"));
    }

    static Path first;

    @BeforeAll
    static void prepareOnce() {
        first = dir.resolve("first");
        MainTest.Result r = prepare(first);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("prepared ") && r.out().contains("run directory"), r.out());
    }

    @Test
    void writesAVerifiableOutput() {
        ShardSet set = ShardSet.open(new Configuration(), first.toUri().toString());
        assertEquals(CI ? 800 : 2048, set.manifest().vocabSize());
        long docs = 0;
        for (ShardEntry e : set.manifest().shards()) {
            int[] ids = set.load(e);
            docs += Arrays.stream(ids).filter(id -> id == set.manifest().eotId()).count();
        }
        assertEquals(set.manifest().shards().stream().mapToLong(s -> s.documents).sum(), docs);
        assertTrue(docs > (CI ? 1900 : 7600), "documents: " + docs);
    }

    @Test
    void sparkOutputEqualsTheSingleJvmReferenceAndReRunsAreIdentical() throws IOException {
        Path local = dir.resolve("local");
        List<String> args = new ArrayList<>(settings(local));
        DataConfig data = ConfigLoader.load(Optional.empty(), args).config().data();
        ReadCounts read = new ReadCounts();
        List<Document> docs = LocalPreparation.read(new Configuration(), data, read);
        LocalPreparation.run(new Configuration(), data, data.input().orElse(io.sparkmoe.data.corpus.EmbeddedCorpus.SOURCE), docs, read);
        assertSameFiles(files(local), files(first));

        Path again = dir.resolve("again");
        assertEquals(0, prepare(again).code());
        assertSameFiles(files(first), files(again));
    }
}
