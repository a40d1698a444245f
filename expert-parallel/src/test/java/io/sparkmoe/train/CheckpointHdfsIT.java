package io.sparkmoe.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.train.checkpoint.CheckpointLayout;
import io.sparkmoe.train.checkpoint.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checkpoints on a real HDFS (a MiniDFSCluster): the interrupted run writes its checkpoint to {@code hdfs://}, a new
 * Trainer finds it with {@code latest} and resumes from it, and the result equals an uninterrupted run's bit for bit.
 */
class CheckpointHdfsIT {

    @TempDir
    static Path dir;
    static MiniDFSCluster hdfs;
    static ShardSet data;

    @BeforeAll
    static void start() throws IOException {
        hdfs = new MiniDFSCluster.Builder(new Configuration(), dir.resolve("hdfs").toFile()).numDataNodes(1).build();
        hdfs.waitActive();
        data = SyntheticShards.write(Files.createDirectories(dir.resolve("data")), 5);
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void writesAndResumesThroughHdfs() throws IOException {
        FileSystem fs = hdfs.getFileSystem();
        String runOnHdfs = hdfs.getURI() + "/runs/split";
        CheckpointStore onHdfs = CheckpointStore.ofRun(fs.getConf(), runOnHdfs, 3);
        Path wholeRun = dir.resolve("whole");
        CheckpointResumeTest.Pair p = CheckpointResumeTest.trainBothWays(data, "sigmoid", CheckpointResumeTest.store(wholeRun),
                onHdfs, wholeRun, dir.resolve("split"));

        String last = CheckpointLayout.DIR + "/" + CheckpointLayout.name(CheckpointResumeTest.STEPS) + "/";
        CheckpointResumeTest.assertContinuesExactly(p,
                Files.readAllBytes(wholeRun.resolve(last + CheckpointLayout.modelFile(0))),
                read(fs, runOnHdfs + "/" + last + CheckpointLayout.modelFile(0)),
                Files.readAllBytes(wholeRun.resolve(last + CheckpointLayout.optimizerFile(0))),
                read(fs, runOnHdfs + "/" + last + CheckpointLayout.optimizerFile(0)));
        FileStatus[] listed = fs.listStatus(new org.apache.hadoop.fs.Path(runOnHdfs + "/" + CheckpointLayout.DIR));
        assertEquals(List.of(CheckpointLayout.name(CheckpointResumeTest.HALF), CheckpointLayout.name(CheckpointResumeTest.STEPS)),
                Arrays.stream(listed).map(s -> s.getPath().getName()).sorted().toList(), "committed, no temporary left");
        assertEquals(CheckpointLayout.name(CheckpointResumeTest.STEPS), CheckpointStore.latest(fs,
                new org.apache.hadoop.fs.Path(runOnHdfs)).orElseThrow().getName());
    }

    private static byte[] read(FileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return in.readAllBytes();
        }
    }
}
