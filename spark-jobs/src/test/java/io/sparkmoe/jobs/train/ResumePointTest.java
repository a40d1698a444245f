package io.sparkmoe.jobs.train;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where {@code train.resume} continues when {@code train.checkpoint-dir} puts the checkpoints outside the run. */
class ResumePointTest {

    @TempDir
    java.nio.file.Path dir;

    SparkMoeConfig config(String... args) {
        List<String> all = new ArrayList<>(List.of("run.dir=" + dir.resolve("runs")));
        all.addAll(List.of(args));
        return ConfigLoader.load(Optional.empty(), all).config();
    }

    @Test
    void latestLooksInTheCheckpointDir() throws IOException {
        Files.createDirectories(dir.resolve("runs/r1"));
        java.nio.file.Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/r1"));
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> ResumePoint.of(config(
                "run.name=r1", "train.resume=latest", "train.checkpoint-dir=\"" + elsewhere.toUri() + "\""),
                new Configuration()));
        assertTrue(e.getMessage().contains("no committed checkpoint in") && e.getMessage().contains("elsewhere/r1"),
                e.getMessage());
    }

    @Test
    void aCheckpointPathAnywhereContinuesTheNamedRun() throws IOException {
        java.nio.file.Path run = Files.createDirectories(dir.resolve("runs/r1"));
        String checkpoint = "hdfs://namenode:8020/ckpt/r1/step-00000010";
        ResumePoint p = ResumePoint.of(config("run.name=r1", "train.resume=\"" + checkpoint + "\"",
                "train.checkpoint-dir=\"hdfs://namenode:8020/ckpt/r1\""), new Configuration()).orElseThrow();
        assertEquals(run, p.runDir());
        assertEquals(new Path(checkpoint), p.checkpoint());
        IllegalArgumentException noName = assertThrows(IllegalArgumentException.class, () -> ResumePoint.of(config(
                "train.resume=\"" + checkpoint + "\"", "train.checkpoint-dir=\"hdfs://namenode:8020/ckpt/r1\""),
                new Configuration()));
        assertTrue(noName.getMessage().contains("set run.name"), noName.getMessage());
    }
}
