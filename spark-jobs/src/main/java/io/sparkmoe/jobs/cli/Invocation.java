package io.sparkmoe.jobs.cli;

import io.sparkmoe.conf.ResolvedConfig;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;

/**
 * What a command runs with: the validated configuration, its own options, and where to print.
 *
 * @param command the command's name
 * @param config  the resolved, validated configuration
 * @param options command-specific options given ({@code "true"} for a flag)
 * @param out     standard output (results; progress and logs go to standard error)
 */
public record Invocation(String command, ResolvedConfig config, Map<String, String> options, PrintStream out) {

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }

    /** An integer option, or {@code fallback}; a malformed value is a usage error naming the option. */
    public int intOption(String name, int fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** An integer option of at least 1, or {@code fallback}; anything else is a usage error naming the option. */
    public int positiveIntOption(String name, int fallback) {
        int v = intOption(name, fallback);
        if (v < 1) {
            throw new UsageException("--" + name + " must be at least 1, got " + v);
        }
        return v;
    }

    /** A decimal option, or {@code fallback}; a malformed value is a usage error naming the option. */
    public double doubleOption(String name, double fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + v + "'");
        }
    }

    /** A long integer option, or {@code fallback}; a malformed value is a usage error naming the option. */
    public long longOption(String name, long fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** A required option; its absence is a usage error. */
    public String requiredOption(String name, String valueName) {
        String v = options.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " " + valueName + " is required");
        }
        return v;
    }
}
