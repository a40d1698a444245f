package io.sparkmoe.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input through the whole {@code prepare} job: the error reaches the user with the file (and line)
 * named, whether it is found on the driver or inside a Spark task, and no manifest is left behind.
 */
class PrepareErrorsIT {

    @TempDir
    Path dir;

    MainTest.Result prepare(Path input, Path output) {
        return MainTest.run("prepare", "cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false",
                "run.dir=" + dir.resolve("runs"), "data.input=" + input.toUri(), "data.output=" + output.toUri(),
                "data.tokenizer.vocab-size=300", "data.min-chars=1");
    }

    @Test
    void aMissingInputIsNamed() {
        MainTest.Result r = prepare(dir.resolve("nowhere"), dir.resolve("out"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nowhere: no such file or directory"), r.err());
        assertFalse(Files.exists(dir.resolve("out/manifest.json")));
    }

    @Test
    void invalidUtf8InsideATaskIsNamedWithItsLine() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("good.txt"), "a good document");
        Files.write(in.resolve("bad.txt"), new byte[]{'o', 'k', '\n', 'b', (byte) 0xC3, 'x', '\n'});
        MainTest.Result r = MainTest.run("prepare", "cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false",
                "run.dir=" + dir.resolve("runs"), "data.input=" + in.toUri(), "data.output=" + dir.resolve("out").toUri(),
                "data.tokenizer.vocab-size=300", "data.min-chars=1", "data.format=text-lines");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.txt line 2: invalid UTF-8"), r.err());
        assertFalse(Files.exists(dir.resolve("out/manifest.json")));

        MainTest.Result skipped = MainTest.run("prepare", "cluster.master=local[2]", "cluster.spark.spark.ui.enabled=false",
                "run.dir=" + dir.resolve("runs"), "data.input=" + in.toUri(), "data.output=" + dir.resolve("out").toUri(),
                "data.tokenizer.vocab-size=300", "data.min-chars=1", "data.format=text-lines", "data.bad-documents=skip");
        assertEquals(0, skipped.code(), skipped.err());
        String report = Files.readString(dir.resolve("out/report.json"));
        assertTrue(report.contains("\"skipped_invalid_utf8\" : 1") && report.contains("\"documents_read\" : 2"), report);
    }
}
