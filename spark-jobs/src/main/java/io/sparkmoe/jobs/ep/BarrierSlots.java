package io.sparkmoe.jobs.ep;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * The check before a barrier stage of N ranks is launched: all N tasks must run at once, so the executors registered
 * must offer N task slots, and their number must not change under the stage (no dynamic allocation).
 *
 * <p>Spark checks the same before it runs a barrier stage, but on failure it retries
 * ({@code spark.scheduler.barrier.maxConcurrentTasksCheck.*}, by default 40 times 15 s, ten minutes) and then reports
 * an internal error. This check waits only for executors that are still registering — until
 * {@code spark.scheduler.maxRegisteredResourcesWaitingTime} (Spark's own bound, default 30 s) after the application
 * started, as with {@code spark.scheduler.minRegisteredResourcesRatio} — and then fails with a message that says
 * what to change.
 *
 * <p>The number of slots is Spark's own: {@code SparkContext.maxNumConcurrentTasks} for the default resource
 * profile, the very number its barrier check compares with. It counts executor cores ÷ {@code spark.task.cpus} and
 * also task resources such as GPUs ({@code spark.task.resource.gpu.amount}), which no public API reports. The method
 * is {@code private[spark]} in Scala (public in the bytecode); a Spark upgrade that changes it fails to compile here,
 * and {@code BarrierRanksIT} and {@code StandaloneClusterIT} exercise it.
 */
public final class BarrierSlots {

    static final String WAIT_KEY = "spark.scheduler.maxRegisteredResourcesWaitingTime";
    private static final long POLL_MS = 200;

    private BarrierSlots() {
    }

    /** Refuses dynamic allocation: executors that come and go would break a stage whose tasks talk to each other. */
    public static void refuseDynamicAllocation(SparkConf conf) {
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new RanksUnavailableException("expert-parallel ranks need a fixed set of executors, but"
                    + " spark.dynamicAllocation.enabled is true: set it to false (in cluster.spark or with"
                    + " spark-submit --conf) and give the application N task slots (cluster.ranks) with"
                    + " spark.executor.instances / spark.executor.cores or spark.cores.max");
        }
    }

    /**
     * Returns once the registered executors can run {@code ranks} tasks at once; throws
     * {@link RanksUnavailableException} if they cannot by the end of the registration wait.
     *
     * @return the number of slots found
     */
    public static int await(SparkContext sc, int ranks) {
        refuseDynamicAllocation(sc.getConf());
        long waitMs = sc.getConf().getTimeAsMs(WAIT_KEY, "30s");
        long deadline = sc.startTime() + waitMs;
        int slots = slots(sc);
        while (slots < ranks && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
            slots = slots(sc);
        }
        if (slots < ranks) {
            throw new RanksUnavailableException(notEnough(sc, ranks, slots, waitMs));
        }
        return slots;
    }

    /** Tasks the registered executors can run at once, as Spark's barrier check counts them. */
    public static int slots(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    private static String notEnough(SparkContext sc, int ranks, int slots, long waitMs) {
        String master = sc.master();
        String head = "cluster.ranks = " + ranks + " needs " + ranks + " tasks running at once (one barrier stage), but ";
        if (master.startsWith("local[") || master.equals("local")) {
            return head + "master " + master + " runs " + slots + " at a time (with spark.task.cpus = "
                    + sc.getConf().get("spark.task.cpus", "1") + "): use cluster.master=local[" + ranks
                    + "] or more, or lower cluster.ranks to at most " + slots;
        }
        int executors = sc.getExecutorIds().size();
        return head + "the " + executors + " executor(s) registered " + waitMs / 1000.0 + " s after the application"
                + " started (" + WAIT_KEY + ") can run only " + slots + " (executor cores / spark.task.cpus = "
                + sc.getConf().get("spark.task.cpus", "1") + ", and task resources such as GPUs): lower cluster.ranks"
                + " to at most " + slots + ", or give the application more task slots (more workers or executors:"
                + " spark.executor.instances, spark.executor.cores, spark.cores.max), or wait longer for executors"
                + " with " + WAIT_KEY;
    }
}
