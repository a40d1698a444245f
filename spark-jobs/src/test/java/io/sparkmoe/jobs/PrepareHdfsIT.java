package io.sparkmoe.jobs;

import io.sparkmoe.data.bpe.Encoder;
import io.sparkmoe.data.bpe.TokenizerJson;
import io.sparkmoe.data.shards.HadoopFiles;
import io.sparkmoe.data.shards.ShardEntry;
import io.sparkmoe.data.shards.ShardSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.GzipCodec;
import org.apache.hadoop.util.ReflectionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparkmoe prepare} reading and writing {@code hdfs://} on a MiniDFSCluster: a directory of gzipped
 * JSONL and plain text files in, shards and manifest out, read back through the verifying reader.
 */
class PrepareHdfsIT {

    @TempDir
    static java.nio.file.Path dir;
    static MiniDFSCluster hdfs;
    static String root;
    static final Set<String> TEXTS = new HashSet<>();

    @BeforeAll
    static void start() throws IOException {
        Configuration conf = new Configuration();
        hdfs = new MiniDFSCluster.Builder(conf, dir.resolve("hdfs").toFile()).numDataNodes(1).build();
        hdfs.waitActive();
        root = hdfs.getURI().toString();
        FileSystem fs = hdfs.getFileSystem();
        CompressionCodec gzip = ReflectionUtils.newInstance(GzipCodec.class, conf);
        try (OutputStream out = gzip.createOutputStream(fs.create(new Path("/corpus/part-0.jsonl.gz")))) {
            for (int i = 0; i < 300; i++) {
                String text = "Document number " + i + " talks about the weather in city " + (i * 7 % 13) + ". "
                        + "It rains " + (i % 5) + " days a week, says the report.";
                TEXTS.add(text);
                out.write(("{\"text\": \"" + text + "\", \"id\": " + i + "}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        try (OutputStream out = fs.create(new Path("/corpus/sub/notes.txt"))) {
            String text = "A plain text file is one document: déjà vu, naïve café.\nSecond line of it.";
            TEXTS.add(text);
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void preparesFromAndToHdfs() throws IOException {
        MainTest.Result r = MainTest.run("prepare", "cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false",
                "run.dir=" + dir.resolve("runs"), "data.input=" + root + "/corpus", "data.output=" + root + "/prepared",
                "data.tokenizer.vocab-size=400", "data.shard-tokens=2048", "data.write-partitions=2", "data.val-fraction=0.1");
        assertEquals(0, r.code(), r.err());
        Configuration conf = hdfs.getFileSystem().getConf();
        ShardSet set = ShardSet.open(conf, root + "/prepared");
        FileSystem fs = hdfs.getFileSystem();
        Encoder enc = TokenizerJson.read(HadoopFiles.readAll(fs, set.tokenizerPath()), "tokenizer.json").encoder();
        List<String> decoded = new ArrayList<>();
        for (ShardEntry e : set.manifest().shards()) {
            assertTrue(fs.exists(new Path(root + "/prepared/" + e.path)), e.path);
        }
        for (String split : List.of("train", "val")) {
            List<Integer> ids = new ArrayList<>();
            for (int[] shard : set.loadAll(split, null)) {
                for (int id : shard) {
                    ids.add(id);
                }
            }
            splitDocuments(ids, set.manifest().eotId(), enc, decoded);
        }
        assertEquals(TEXTS, new HashSet<>(decoded), "every document, once, exactly");
        assertEquals(TEXTS.size(), decoded.size());
        assertTrue(new String(HadoopFiles.readAll(fs, new Path(root + "/prepared/report.json")), StandardCharsets.UTF_8)
                .contains("\"documents_read\" : 301"));
    }

    /** Cuts a split's ids at each end-of-text, per writing group in order, and decodes the documents. */
    static void splitDocuments(List<Integer> ids, int eot, Encoder enc, List<String> out) {
        int start = -1;
        for (int i = 0; i <= ids.size(); i++) {
            if (i == ids.size() || ids.get(i) == eot) {
                if (start >= 0) {
                    out.add(enc.decode(ids.subList(start + 1, i).stream().mapToInt(Integer::intValue).toArray()));
                }
                start = i;
            }
        }
    }
}
