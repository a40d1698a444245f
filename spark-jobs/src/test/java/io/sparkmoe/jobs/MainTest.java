package io.sparkmoe.jobs;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.jobs.cli.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's behaviour without starting Spark: help, usage errors, configuration errors. */
class MainTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommand() {
        Result r = run("--help");
        assertEquals(0, r.code);
        for (Command c : Main.COMMANDS) {
            assertTrue(r.out.contains("  " + c.name() + " "), r.out);
        }
        assertEquals(2, run().code, "no command is a usage error");
    }

    @Test
    void everyCommandHasHelpWithItsOptions() {
        for (Command c : Main.COMMANDS) {
            Result r = run(c.name(), "--help");
            assertEquals(0, r.code, c.name());
            assertTrue(r.out.startsWith("Usage: sparkmoe " + c.name() + " [--conf FILE]"), r.out);
            c.options().forEach(o -> assertTrue(r.out.contains("--" + o.name()), r.out));
        }
    }

    @Test
    void unknownCommandGetsASuggestion() {
        Result r = run("chek");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("unknown command 'chek'; did you mean check?"), r.err);
    }

    @Test
    void unknownOptionGetsASuggestion() {
        Result r = run("config", "--describ");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("has no option --describ; did you mean --describe?"), r.err);
    }

    @Test
    void configurationProblemsAreReportedTogetherBeforeAnythingRuns() {
        Result r = run("check", "model.heads=3", "routing.top-k=9", "run.dir=" + dir.resolve("runs"));
        assertEquals(2, r.code);
        assertTrue(r.err.startsWith("Invalid configuration: 2 problems"), r.err);
        assertTrue(Files.notExists(dir.resolve("runs")), "nothing is written for an invalid configuration");
    }

    @Test
    void configPrintsAFileThatReadsBackTheSame() throws Exception {
        Result r = run("config", "preset=small", "routing.capacity=1.5");
        assertEquals(0, r.code, r.err);
        Path written = Files.writeString(dir.resolve("resolved.conf"), r.out);
        Result again = run("config", "--conf", written.toString());
        assertEquals(r.out, again.out);
        assertEquals(ConfigLoader.parse(r.out, "a").config(), ConfigLoader.parse(again.out, "b").config());
    }

    @Test
    void describeListsEveryKey() {
        Result r = run("config", "--describe");
        assertEquals(0, r.code);
        assertEquals(ConfigLoader.schema().size(), r.out.lines().count());
        assertTrue(r.out.contains("routing.capacity (dropless | locmoe-min | factor > 0; default dropless)"), r.out);
    }
}
