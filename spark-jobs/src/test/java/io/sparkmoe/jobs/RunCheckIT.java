package io.sparkmoe.jobs;

import io.sparkmoe.conf.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sparkmoe check} end to end through the launcher's entry point, as a user runs it. */
class RunCheckIT {

    @TempDir
    Path dir;

    @Test
    void checkPassesAndLeavesARunDirectory() throws Exception {
        MainTest.Result r = MainTest.run("check", "--tasks", "3", "cluster.master=local[2]",
                "run.dir=" + dir, "run.name=smoke", "cluster.spark.spark.ui.enabled=false");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 tasks") && r.out().contains("check passed"), r.out());
        assertEquals(3, r.out().lines().filter(l -> l.startsWith("task ")).count(), r.out());
        Path run = dir.resolve("smoke");
        String config = Files.readString(run.resolve("config.conf"));
        assertEquals("local[2]", ConfigLoader.parse(config, "config.conf").config().cluster().master().orElseThrow());
        String log = Files.readString(run.resolve("driver.log"));
        assertTrue(log.contains("INFO") && log.contains("org.apache.spark.SparkContext"), "full detail in the log");
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of("config.conf", "driver.log"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        MainTest.Result again = MainTest.run("check", "run.dir=" + dir, "run.name=smoke", "cluster.master=local[1]");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
    }
}
