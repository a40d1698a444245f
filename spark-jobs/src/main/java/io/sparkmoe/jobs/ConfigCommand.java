package io.sparkmoe.jobs;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.Key;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;

import java.util.List;

/** {@code sparkmoe config}: prints the fully resolved configuration, or describes every key. */
final class ConfigCommand implements Command {

    @Override
    public String name() {
        return "config";
    }

    @Override
    public String summary() {
        return "validate and print the resolved configuration (--describe: every key)";
    }

    @Override
    public String description() {
        return """
                Loads the configuration exactly as a job would (preset, --conf file, key=value overrides),
                validates it, and prints it in full as HOCON: the file a run directory keeps as config.conf,
                which --conf accepts back unchanged. Every problem is reported at once, with the file and
                line it came from. With --describe, prints every key with its type, default and meaning.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("describe", null, "list every key with its type, default and meaning"));
    }

    @Override
    public int run(Invocation invocation) {
        if (invocation.flag("describe")) {
            for (Key<?> key : ConfigLoader.schema()) {
                invocation.out().println(key.describe());
            }
        } else {
            invocation.out().print(invocation.config().render());
        }
        return 0;
    }
}
