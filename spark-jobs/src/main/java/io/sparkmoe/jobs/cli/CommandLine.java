package io.sparkmoe.jobs.cli;

import io.sparkmoe.conf.Suggestions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The arguments after the command word: {@code --conf FILE}, {@code --help}, the command's own
 * {@code --option [VALUE]} (also {@code --option=VALUE}), and {@code key=value} configuration overrides.
 *
 * @param conf      the HOCON file, if given
 * @param options   the command's options
 * @param overrides configuration overrides, in order
 * @param help      whether help was asked for
 */
public record CommandLine(Optional<Path> conf, Map<String, String> options, List<String> overrides, boolean help) {

    public static CommandLine parse(List<String> args, Command command) {
        Optional<Path> conf = Optional.empty();
        Map<String, String> options = new LinkedHashMap<>();
        List<String> overrides = new ArrayList<>();
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
            } else if (arg.startsWith("--")) {
                String name = arg.substring(2);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (name.equals("conf")) {
                    conf = Optional.of(Path.of(value(args, i, inline, "--conf FILE")));
                    i += inline == null ? 1 : 0;
                    continue;
                }
                CommandOption option = find(command, name);
                if (option.isFlag()) {
                    if (inline != null) {
                        throw new UsageException("--" + name + " is a flag and takes no value");
                    }
                    options.put(name, "true");
                } else {
                    options.put(name, value(args, i, inline, option.usage()));
                    i += inline == null ? 1 : 0;
                }
            } else if (arg.contains("=")) {
                overrides.add(arg);
            } else {
                throw new UsageException("unexpected argument '" + arg + "': options start with --, "
                        + "configuration overrides look like key=value");
            }
        }
        return new CommandLine(conf, options, overrides, help);
    }

    private static String value(List<String> args, int i, String inline, String usage) {
        if (inline != null) {
            return inline;
        }
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
            throw new UsageException(usage + " needs a value");
        }
        return args.get(i + 1);
    }

    private static CommandOption find(Command command, String name) {
        List<String> names = new ArrayList<>(List.of("conf", "help"));
        for (CommandOption o : command.options()) {
            if (o.name().equals(name)) {
                return o;
            }
            names.add(o.name());
        }
        throw new UsageException("'" + command.name() + "' has no option --" + name
                + Suggestions.didYouMean(name, names).replace("did you mean ", "did you mean --"));
    }

    /** The help text of one command. */
    public static String help(Command command) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: sparkmoe ").append(command.name()).append(" [--conf FILE]");
        command.options().forEach(o -> sb.append(" [").append(o.usage()).append(']'));
        sb.append(" [key=value ...]\n\n").append(command.description().strip()).append("\n\nOptions:\n");
        sb.append(String.format("  %-22s %s%n", "--conf FILE", "HOCON configuration file (layered over its preset)"));
        for (CommandOption o : command.options()) {
            sb.append(String.format("  %-22s %s%n", o.usage(), o.doc()));
        }
        sb.append(String.format("  %-22s %s%n", "key=value", "override one configuration key, e.g. model.layers=4"));
        sb.append(String.format("  %-22s %s%n", "--help", "this text"));
        sb.append("\nEvery key, its default and meaning: sparkmoe config --describe\n");
        return sb.toString();
    }
}
