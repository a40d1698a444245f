package io.sparkmoe.jobs.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    static final Command COMMAND = new Command() {
        @Override
        public String name() {
            return "demo";
        }

        @Override
        public String summary() {
            return "a command for tests";
        }

        @Override
        public String description() {
            return "Does nothing.";
        }

        @Override
        public List<CommandOption> options() {
            return List.of(new CommandOption("model", "DIR", "a model"), new CommandOption("dry-run", null, "a flag"));
        }

        @Override
        public int run(Invocation invocation) {
            return 0;
        }
    };

    @Test
    void separatesConfOptionsFlagsAndOverrides() {
        CommandLine line = CommandLine.parse(List.of("--conf", "a.conf", "model.layers=3", "--model=out/x",
                "--dry-run", "cluster.master=local[2]"), COMMAND);
        assertEquals(Optional.of(Path.of("a.conf")), line.conf());
        assertEquals(Map.of("model", "out/x", "dry-run", "true"), line.options());
        assertEquals(List.of("model.layers=3", "cluster.master=local[2]"), line.overrides());
    }

    @Test
    void mistakesAreNamed() {
        assertTrue(assertThrows(UsageException.class, () -> CommandLine.parse(List.of("--model"), COMMAND))
                .getMessage().contains("--model DIR needs a value"));
        assertTrue(assertThrows(UsageException.class, () -> CommandLine.parse(List.of("--dry-run=yes"), COMMAND))
                .getMessage().contains("is a flag"));
        assertTrue(assertThrows(UsageException.class, () -> CommandLine.parse(List.of("stray"), COMMAND))
                .getMessage().contains("unexpected argument 'stray'"));
    }

    @Test
    void helpShowsOptions() {
        String help = CommandLine.help(COMMAND);
        assertTrue(help.contains("--model DIR") && help.contains("--dry-run") && help.contains("key=value"), help);
    }
}
