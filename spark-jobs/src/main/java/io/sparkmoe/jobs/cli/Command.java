package io.sparkmoe.jobs.cli;

import java.util.List;

/**
 * One {@code bin/sparkmoe} command. A command declares its own options (beyond {@code --conf} and
 * {@code key=value} overrides, which every command takes) so that {@code --help} and argument errors
 * come from one description.
 */
public interface Command {

    /** The word typed after {@code sparkmoe}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** A few lines of what the command does and what it writes. */
    String description();

    /** Command-specific options. */
    default List<CommandOption> options() {
        return List.of();
    }

    /** Runs the command; the return value is the process exit code. */
    int run(Invocation invocation) throws Exception;
}
