package io.sparkmoe.jobs.check;

import io.sparkmoe.engine.BackendProbe;
import io.sparkmoe.engine.GpuSelection;
import io.sparkmoe.jobs.spark.TaskGpus;
import io.sparkmoe.jobs.RunDirectory;
import io.sparkmoe.jobs.cli.Command;
import io.sparkmoe.jobs.cli.CommandOption;
import io.sparkmoe.jobs.cli.Invocation;
import io.sparkmoe.jobs.spark.SparkSessions;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code sparkmoe check}: proves the stack works together where the jobs will run. Every task loads ND4J
 * on its executor, multiplies two seeded matrices and sends the product back through Kryo (with
 * registration required); the driver compares each product with a slow double-precision reference.
 */
public final class CheckCommand implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(CheckCommand.class);
    static final int SIZE = 64;
    static final double TOLERANCE = 1e-3;

    @Override
    public String name() {
        return "check";
    }

    @Override
    public String summary() {
        return "check Spark, Kryo and ND4J on every executor (the stack's smoke test)";
    }

    @Override
    public String description() {
        return """
                Starts Spark as every job does (Kryo with registration required, the JDK 17 options on the
                executors), runs one task per partition that multiplies two seeded 64x64 matrices with ND4J
                on its executor, ships the product back through Kryo, and compares each with a reference
                computed on the driver. Prints a line per task (executor, host, ND4J backend, BLAS, threads,
                the GPU Spark assigned to the task if any, largest difference) and exits non-zero if any task disagrees.""";
    }

    @Override
    public List<CommandOption> options() {
        return List.of(new CommandOption("tasks", "N", "tasks to run (default: Spark's default parallelism)"));
    }

    @Override
    public int run(Invocation inv) throws IOException {
        RunDirectory runDir = RunDirectory.create(name(), inv.config());
        try (SparkSession spark = SparkSessions.start(inv.config().config(), "sparkmoe-check")) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int tasks = inv.intOption("tasks", sc.defaultParallelism());
            long seed = inv.config().config().run().seed();
            List<ExecutorReport> reports = probe(sc, tasks, seed);
            double[][] expected = BackendProbe.reference(seed, SIZE);
            boolean ok = reports.size() == tasks;
            inv.out().printf("Spark %s, master %s, %d tasks%n", sc.version(), sc.master(), tasks);
            for (ExecutorReport r : reports) {
                double diff = maxAbsDiff(r.product, expected);
                ok &= diff <= TOLERANCE;
                inv.out().printf("task %d  executor %s  host %s  backend %s  blas %s  threads %d  gpu %s  %.1f ms  max|diff| %.2e%s%n",
                        r.partition, r.executorId, r.host, r.backend, r.blas, r.threads, r.gpu, r.millis, diff,
                        diff <= TOLERANCE ? "" : "  MISMATCH");
                LOG.info("task {}: {}", r.partition, r.gpuNote);
            }
            inv.out().println(ok ? "check passed" : "check FAILED");
            LOG.info("check {} on {} tasks; log and configuration in {}", ok ? "passed" : "failed",
                    reports.size(), runDir.path());
            return ok ? 0 : 1;
        }
    }

    /** Runs one probe per partition and returns the reports ordered by partition. */
    public static List<ExecutorReport> probe(JavaSparkContext sc, int tasks, long seed) {
        JavaRDD<Integer> slots = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks);
        return slots.mapPartitions(ignored -> {
                    long start = System.nanoTime();
                    GpuSelection gpu = GpuSelection.forThisThread(TaskGpus.addresses());
                    BackendProbe.Report probe = BackendProbe.run(seed, SIZE);
                    ExecutorReport r = new ExecutorReport();
                    r.partition = TaskContext.getPartitionId();
                    r.executorId = SparkEnv.get().executorId();
                    // The address Spark knows the executor by: distinct per (emulated) host, unlike the host name.
                    r.host = SparkEnv.get().blockManager().blockManagerId().host();
                    r.backend = probe.backend();
                    r.blas = probe.blas();
                    r.threads = probe.threads();
                    r.product = probe.product();
                    r.gpu = gpu.address().orElse("none");
                    r.gpuNote = gpu.note();
                    r.millis = (System.nanoTime() - start) / 1e6;
                    return List.of(r).iterator();
                })
                .collect()
                .stream()
                .sorted(Comparator.comparingInt(r -> r.partition))
                .toList();
    }

    /** Largest absolute difference between a product and the reference. */
    public static double maxAbsDiff(INDArray product, double[][] expected) {
        INDArray diff = product.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(Nd4j.createFromArray(expected));
        return diff.amaxNumber().doubleValue();
    }
}
