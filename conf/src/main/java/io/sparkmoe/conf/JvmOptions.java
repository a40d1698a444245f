package io.sparkmoe.conf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM options Spark and ND4J need on JDK 17 ({@code --add-opens …}), written once in the parent POM
 * and filtered into the resource {@code sparkmoe-jvm-options.txt}. Spark jobs pass them to executors;
 * the launcher and the deploy scripts read the same file.
 */
public final class JvmOptions {

    private static final String RESOURCE = "sparkmoe-jvm-options.txt";

    private JvmOptions() {
    }

    /** The options, one element each. */
    public static List<String> list() {
        return Arrays.stream(line().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    /** The options as one space-separated line, as {@code spark.executor.extraJavaOptions} wants them. */
    public static String line() {
        try (InputStream in = JvmOptions.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path (build with Maven)");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (text.contains("${")) {
                throw new IllegalStateException(RESOURCE + " was not filtered by Maven: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
