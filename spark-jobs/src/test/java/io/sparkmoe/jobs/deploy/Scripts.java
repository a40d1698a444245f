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
final class Scripts {

    /** The project root (tests run in the spark-jobs module folder). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    record Result(int code, String output) {
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

    private static Set<String> matches(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        Set<String> found = new TreeSet<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    static Result run(long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve(script).toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
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
