package io.sparkmoe.conf;

import java.util.List;
import java.util.Optional;

/**
 * Section {@code run}: where a run writes, what it is called, how loud it is, and its seed.
 *
 * @param dir          parent directory of run directories (any Hadoop path)
 * @param name         the run's name; empty = {@code <command>-<timestamp>}
 * @param consoleLevel the least severe log level shown on the console for other libraries' logs
 *                     (SparkMoE's own progress is always shown; the run's log file has everything)
 * @param seed         the seed of every random choice (init, data order, hash routing)
 */
public record RunConfig(String dir, Optional<String> name, String consoleLevel, long seed) {

    public static final List<String> LEVELS = List.of("error", "warn", "info", "debug");

    static final Key<String> DIR = Key.required("run.dir", ValueType.string(), "runs",
            "Parent directory of run directories");
    static final Key<String> NAME = Key.optional("run.name", ValueType.string(), null,
                    "Run name; null = <command>-<timestamp>")
            .must(s -> s.matches("[A-Za-z0-9._-]+"), "letters, digits, '.', '_' or '-'");
    static final Key<String> CONSOLE_LEVEL = Key.required("run.console-level", ValueType.choice(LEVELS), "warn",
            "Least severe level of library logs shown on the console");
    static final Key<Long> SEED = Key.required("run.seed", ValueType.longInteger(), 1234L,
            "Seed of every random choice");

    static RunConfig read(ConfigReader r) {
        return new RunConfig(r.get(DIR), r.getOptional(NAME), r.get(CONSOLE_LEVEL), r.get(SEED));
    }
}
