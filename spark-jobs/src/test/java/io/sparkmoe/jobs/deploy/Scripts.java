package io.sparkmoe.jobs.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the project's deploy/ scripts as a user would, with a time limit, capturing their output. */
public final class Scripts {

    /** The project root (tests run in the spark-jobs module folder). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    public record Result(int code, String output) {
    }

    private Scripts() {
    }

    /** The build artifacts the scripts use must exist: the tests never start a nested Maven build. */
    static void assertBuilt() {
        for (String p : List.of("spark-jobs/target/sparkmoe-app.jar", "deploy/spark-runtime/target/spark-classpath.txt",
                "conf/target/classes/sparkmoe-jvm-options.txt")) {
            assertTrue(Files.isRegularFile(ROOT.resolve(p)), p + " is missing: run mvn package first");
        }
    }

    /** The executor ids in the task lines that {@code sparkmoe check} prints. */
    static Set<String> executors(String checkOutput) {
        return matches(checkOutput, "task \\d+ {2}executor (\\S+)");
    }

    /** The executor addresses in the task lines that {@code sparkmoe check} prints. */
    static Set<String> hosts(String checkOutput) {
        return matches(checkOutput, "task \\d+ .* host (\\S+)");
    }

    /** The GPU addresses (or {@code none}) in the task lines that {@code sparkmoe check} prints. */
    static Set<String> gpus(String checkOutput) {
        return matches(checkOutput, "task \\d+ .* gpu (\\S+) ");
    }

    /** The executor ids in the rank lines that {@code sparkmoe ranks} prints. */
    static Set<String> rankExecutors(String ranksOutput) {
        return matches(ranksOutput, "rank \\d+ {2}executor (\\S+)");
    }

    /** The hosts in the rank lines that {@code sparkmoe ranks} prints. */
    static Set<String> rankHosts(String ranksOutput) {
        return matches(ranksOutput, "rank \\d+ {2}executor \\S+ {2}host (\\S+)");
    }

    private static Set<String> matches(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        Set<String> found = new TreeSet<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /**
     * Removes the links to Maven's jars that the cluster scripts made under {@code dir/spark-home}, so the
     * temporary directory's clean-up has no links to step over (it warns once per link otherwise).
     */
    static void removeSparkHome(Path dir) throws IOException {
        Path jars = dir.resolve("spark-home/jars");
        if (Files.isDirectory(jars)) {
            try (java.util.stream.Stream<Path> links = Files.list(jars)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
        }
    }

    /** {@code prepare} arguments for a small real run on the embedded corpus, writing to {@code output}. */
    public static String[] smallPrepare(Path output) {
        return new String[]{"prepare", "data.output=" + output.toUri(), "data.max-documents=300",
                "data.tokenizer.vocab-size=400", "data.shard-tokens=20000", "run.dir=" + output.resolveSibling("runs")};
    }

    /** Opens what {@code prepare} wrote, verifying every shard against the manifest and tokenizer. */
    static int preparedTrainTokens(Path output) {
        io.sparkmoe.data.shards.ShardSet set = io.sparkmoe.data.shards.ShardSet.open(
                new org.apache.hadoop.conf.Configuration(), output.toUri().toString());
        return set.loadAll("train", null).stream().mapToInt(a -> a.length).sum();
    }

    static Result run(long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
        return run(timeoutSeconds, java.util.Map.of(), script, args);
    }

    /** As {@link #run(long, String, String...)}, with environment variables added to the script's. */
    static Result run(long timeoutSeconds, java.util.Map<String, String> env, String script, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve(script).toString()));
        command.addAll(List.of(args));
        return command(timeoutSeconds, env, command);
    }

    /**
     * Runs any command (a Python, a script) in the project root with environment variables added, output and
     * errors together; a command still running after the time limit is killed with its children and fails.
     */
    public static Result command(long timeoutSeconds, java.util.Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        String script = String.join(" ", command);
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("reading output failed: " + e).getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            reader.join(5000);
            throw new AssertionError(script + " did not finish in " + timeoutSeconds + " s: "
                    + new String(out[0] == null ? new byte[0] : out[0], StandardCharsets.UTF_8));
        }
        reader.join();
        return new Result(process.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }
}
