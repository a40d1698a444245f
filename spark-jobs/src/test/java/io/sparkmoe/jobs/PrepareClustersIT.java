package io.sparkmoe.jobs;

import io.sparkmoe.data.bpe.Encoder;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.clean.ContentHash;
import io.sparkmoe.data.clean.TextCleaner;
import io.sparkmoe.data.corpus.Document;
import io.sparkmoe.data.corpus.EmbeddedCorpus;
import io.sparkmoe.data.features.FeatureModel;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Document clustering in {@code prepare} on the default corpus: clusters follow languages far above chance;
 * the two-stage and balanced options hold their promises; cluster shards and the centroid model are usable.
 */
class PrepareClustersIT {

    static final boolean CI = "true".equals(System.getenv("CI"));
    static final int DOCS = CI ? 3000 : 8000;

    @TempDir
    Path dir;

    MainTest.Result prepare(Path out, String... more) {
        return prepareOn("local[2]", out, more);
    }

    MainTest.Result prepareOn(String master, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("prepare", "cluster.master=" + master, "cluster.spark.spark.ui.enabled=false",
                "run.dir=" + dir.resolve("runs"), "data.output=" + out.toUri(), "data.max-documents=" + DOCS,
                "data.tokenizer.vocab-size=600", "data.shard-tokens=100000", "data.write-partitions=2",
                "data.clusters.features=4096"));
        args.addAll(List.of(more));
        return MainTest.run(args.toArray(String[]::new));
    }

    /** Content hash → cluster, from documents.tsv. */
    static Map<String, Integer> clusters(Path out) throws IOException {
        Map<String, Integer> m = new HashMap<>();
        List<String> lines = Files.readAllLines(out.resolve("clusters/documents.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            m.put(f[0], Integer.parseInt(f[2]));
        }
        return m;
    }

    /**
     * One core and three cores lay the documents out in different partitions unless clustering fixes its own
     * layout; the centroids, assignments and cluster shards must not change.
     */
    @Test
    void clustersDoNotDependOnTheNumberOfCores() throws IOException {
        Path one = dir.resolve("one");
        Path three = dir.resolve("three");
        String[] keys = {"data.clusters.count=3", "data.clusters.max-size-factor=1.2"};
        MainTest.Result a = prepareOn("local[1]", one, keys);
        assertEquals(0, a.code(), a.err());
        MainTest.Result b = prepareOn("local[3]", three, keys);
        assertEquals(0, b.code(), b.err());
        for (String file : List.of("centroids.json", "documents.tsv", "manifest.json")) {
            assertArrayEquals(Files.readAllBytes(one.resolve("clusters/" + file)),
                    Files.readAllBytes(three.resolve("clusters/" + file)), file);
        }
        try (var shards = Files.list(one.resolve("clusters"))) {
            for (Path shard : shards.filter(p -> p.toString().endsWith(".bin")).toList()) {
                assertArrayEquals(Files.readAllBytes(shard),
                        Files.readAllBytes(three.resolve("clusters").resolve(shard.getFileName())), shard.getFileName().toString());
            }
        }
    }

    @Test
    void clustersFollowLanguagesFarAboveChance() throws IOException {
        Path out = dir.resolve("out");
        MainTest.Result r = prepare(out, "data.clusters.count=21");
        assertEquals(0, r.code(), r.err());
        Map<String, Integer> clusterOf = clusters(out);
        Map<Integer, Map<String, Integer>> table = new HashMap<>();
        Map<String, Integer> languages = new HashMap<>();
        int labelled = 0;
        FeatureModel model = FeatureModel.parse(Files.readAllBytes(out.resolve("clusters/centroids.json")), "centroids.json");
        int routedAlike = 0;
        List<Document> docs = EmbeddedCorpus.documents().subList(0, DOCS);
        for (Document d : docs) {
            String text = TextCleaner.normalize(d.text);
            Integer c = clusterOf.get(ContentHash.of(text));
            String lang = LanguageGuess.of(text);
            if (c == null || lang == null) {
                continue;
            }
            labelled++;
            table.computeIfAbsent(c, x -> new HashMap<>()).merge(lang, 1, Integer::sum);
            languages.merge(lang, 1, Integer::sum);
            routedAlike += model.nearest(text) == c ? 1 : 0;
        }
        int majority = table.values().stream().mapToInt(m -> m.values().stream().max(Integer::compare).orElse(0)).sum();
        double purity = majority / (double) labelled;
        double chance = languages.values().stream().max(Integer::compare).orElse(0) / (double) labelled;
        System.out.printf("cluster purity vs language: %.3f over %d documents (largest language share %.3f, %d languages)%n",
                purity, labelled, chance, languages.size());
        assertTrue(labelled > DOCS * 0.9, "the language guess labels most documents: " + labelled);
        assertTrue(purity > 0.6 && purity > 4 * chance, "purity " + purity + ", chance " + chance);
        assertTrue(routedAlike > labelled * 0.9, "centroids.json routes documents to their cluster: " + routedAlike);
        String report = Files.readString(out.resolve("clusters/report.json"));
        assertTrue(report.contains("\"top_terms\"") && report.contains("\"sizes\""), report);
    }

    @Test
    void twoStageBalancedClustersOnSvdCoordinatesRespectTheCapAndGetTheirOwnShards() throws IOException {
        Path out = dir.resolve("balanced");
        MainTest.Result r = prepare(out, "data.clusters.count=4", "data.clusters.fine-count=12",
                "data.clusters.max-size-factor=1.1", "data.clusters.svd-dims=16");
        assertEquals(0, r.code(), r.err());
        Map<String, Integer> clusterOf = clusters(out);
        int[] sizes = new int[4];
        clusterOf.values().forEach(c -> sizes[c]++);
        int cap = (int) Math.ceil(1.1 * clusterOf.size() / 4);
        assertTrue(Arrays.stream(sizes).allMatch(s -> s <= cap && s > 0), Arrays.toString(sizes) + " cap " + cap);

        ShardSet set = ShardSet.open(new Configuration(), out.resolve("clusters").toUri().toString());
        Encoder enc = TokenizerJson.read(Files.readAllBytes(out.resolve("clusters/tokenizer.json")), "t").encoder();
        long docs = 0;
        for (ShardEntry e : set.manifest().shards()) {
            assertTrue(e.cluster != null && e.path.contains(String.format("_c%03d_", e.cluster)), e.path);
            int[] ids = set.load(e);
            docs += e.documents;
            int end = 1;
            while (end < ids.length && ids[end] != set.manifest().eotId()) {
                end++;
            }
            if (ids[0] == set.manifest().eotId() && end < ids.length) {
                String text = enc.decode(Arrays.copyOfRange(ids, 1, end));
                assertEquals(e.cluster, clusterOf.get(ContentHash.of(text)), "a document in its cluster's shard");
            }
        }
        assertEquals(clusterOf.size(), docs, "every document in exactly one cluster shard");
    }
}
