package io.sparkmoe.jobs.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Lets a test run Spark's {@code local-cluster[W,C,M]} master: a standalone Master and W Workers inside the test
 * JVM, whose executors are separate JVMs (so a rank can lose its executor, and ranks talk over real sockets between
 * processes). Spark's Workers then need a Spark "installation" to start executors from; without a distribution, this
 * makes one as the deploy scripts do (a {@code RELEASE} file, {@code jars/}) plus the build directory Spark's launcher
 * looks for to learn the Scala version, and points Spark's test hooks at it: {@code spark.testing} makes the Workers
 * take their home from {@code spark.test.home} and gives the executors the test JVM's class path (our classes, the
 * test's classes and every dependency).
 *
 * <p>The two system properties are set by {@link #enable} and put back by {@link #close}: Spark reads them while the
 * context starts (the Workers keep the home, the application keeps its executor command for replacements too), so
 * they need not outlive the start, and other tests in the same JVM do not see them.
 */
public final class LocalCluster implements AutoCloseable {

    private static final String[] PROPERTIES = {"spark.testing", "spark.test.home"};

    private final Map<String, String> previous = new HashMap<>();

    private LocalCluster() {
    }

    /** Makes the Spark home under {@code dir} and sets the properties until {@link #close}. */
    public static LocalCluster enable(Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("launcher/target/scala-2.12"));
        Files.writeString(home.resolve("RELEASE"), "");
        LocalCluster cluster = new LocalCluster();
        for (String p : PROPERTIES) {
            cluster.previous.put(p, System.getProperty(p));
        }
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        return cluster;
    }

    /** {@code local-cluster[workers,1,memoryMb]}: one core per Worker, so one rank per executor JVM. */
    public static String master(int workers, int memoryMb) {
        return master(workers, 1, memoryMb);
    }

    /** {@code local-cluster[workers,cores,memoryMb]}: one executor JVM per Worker, running {@code cores} tasks. */
    public static String master(int workers, int cores, int memoryMb) {
        return "local-cluster[" + workers + "," + cores + "," + memoryMb + "]";
    }

    /** The test JVM's class path has every class an executor needs (checked: a clear message instead of a hang). */
    public static void assertClassPathUsable() {
        String cp = System.getProperty("java.class.path", "");
        if (!cp.contains("test-classes") || cp.split(File.pathSeparator).length < 10) {
            throw new IllegalStateException("java.class.path is not the test class path (" + cp + "): executors of"
                    + " local-cluster would not find the project's classes");
        }
    }

    @Override
    public void close() {
        previous.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }
}
