package io.sparkmoe.jobs;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.InvalidConfigException;
import io.sparkmoe.conf.ResolvedConfig;
import io.sparkmoe.conf.Suggestions;
import io.sparkmoe.jobs.check.CheckCommand;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandLine;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.cli.UsageException;
import io.sparkmoe.jobs.cost.CostModelCommand;
import io.sparkmoe.jobs.decentralized.CompareDecentralizedCommand;
import io.sparkmoe.jobs.decentralized.EvalEnsembleCommand;
import io.sparkmoe.jobs.decentralized.TrainDecentralizedCommand;
import io.sparkmoe.jobs.decentralized.TrainRouterCommand;
import io.sparkmoe.jobs.demo.DemoCommand;
import io.sparkmoe.jobs.ep.BenchLocalityCommand;
import io.sparkmoe.jobs.ep.RanksCommand;
import io.sparkmoe.jobs.ep.TrainEpCommand;
import io.sparkmoe.jobs.logging.Logs;
import io.sparkmoe.jobs.model.EvalCommand;
import io.sparkmoe.jobs.model.ExportCommand;
import io.sparkmoe.jobs.model.GenerateCommand;
import io.sparkmoe.jobs.model.ScoreCommand;
import io.sparkmoe.jobs.prepare.PrepareBenchCommand;
import io.sparkmoe.jobs.prepare.PrepareCommand;
import io.sparkmoe.jobs.train.BenchTrainCommand;
import io.sparkmoe.jobs.train.TrainCommand;
import io.sparkmoe.model.io.ModelFileException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The single entry point: {@code sparkmoe <command> [--conf FILE] [key=value …]}, used the same way by
 * {@code bin/sparkmoe} (embedded local Spark) and by {@code spark-submit --class io.sparkmoe.jobs.Main}.
 *
 * <p>The configuration is loaded and validated before any Spark context starts, and the process ends
 * with {@link System#exit}: after Spark stops, non-daemon threads (e.g. barrier timers) would otherwise
 * keep the JVM alive.
 */
public final class Main {

    /** Every command, in the order {@code --help} lists them. */
    static final List<Command> COMMANDS = List.of(new DemoCommand(), new CheckCommand(), new PrepareCommand(),
            new PrepareBenchCommand(), new TrainCommand(), new EvalCommand(), new ScoreCommand(), new GenerateCommand(),
            new ExportCommand(), new BenchTrainCommand(), new RanksCommand(), new TrainEpCommand(),
            new BenchLocalityCommand(),
            new TrainDecentralizedCommand(),
            new EvalEnsembleCommand(),
            new TrainRouterCommand(),
            new CompareDecentralizedCommand(),
            new CostModelCommand(),
            new ConfigCommand());

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line and returns the exit code: 0 success, 1 failure, 2 bad usage or configuration. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(overview());
            return args.length == 0 ? 2 : 0;
        }
        Optional<Command> command = COMMANDS.stream().filter(c -> c.name().equals(args[0])).findFirst();
        if (command.isEmpty()) {
            err.println("sparkmoe: unknown command '" + args[0] + "'"
                    + Suggestions.didYouMean(args[0], COMMANDS.stream().map(Command::name).toList())
                    + "\nCommands: " + String.join(", ", COMMANDS.stream().map(Command::name).toList())
                    + "\nRun 'sparkmoe --help' for more.");
            return 2;
        }
        Command cmd = command.get();
        try {
            CommandLine line = CommandLine.parse(Arrays.asList(args).subList(1, args.length), cmd);
            if (line.help()) {
                out.print(CommandLine.help(cmd));
                return 0;
            }
            ResolvedConfig config = ConfigLoader.load(line.conf(), line.overrides());
            Logs.configureConsole(config.config().run().consoleLevel());
            return cmd.run(new Invocation(cmd.name(), config, line.options(), out));
        } catch (UsageException e) {
            err.println("sparkmoe " + cmd.name() + ": " + e.getMessage() + "\nRun 'sparkmoe " + cmd.name()
                    + " --help' for its options.");
            return 2;
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            return 2;
        } catch (ModelFileException e) {
            err.println("sparkmoe " + cmd.name() + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("sparkmoe " + cmd.name() + " failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    static String overview() {
        StringBuilder sb = new StringBuilder("""
                SparkMoE: Mixture-of-Experts language models trained on Apache Spark.

                Usage: sparkmoe <command> [--conf FILE] [options] [key=value ...]

                Commands:
                """);
        for (Command c : COMMANDS) {
            sb.append(String.format("  %-14s %s%n", c.name(), c.summary()));
        }
        sb.append("""

                Configuration: HOCON (--conf FILE) over a preset (preset=tiny|small|base) over every key's
                default; key=value arguments override both. 'sparkmoe config --describe' lists every key.
                Run 'sparkmoe <command> --help' for a command's options.
                Without a Spark installation, bin/sparkmoe runs jobs on an embedded local Spark; on a
                cluster, the same commands run through spark-submit --class io.sparkmoe.jobs.Main.
                """);
        return sb.toString();
    }
}
