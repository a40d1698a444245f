package io.sparkmoe.jobs.ep;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * The check before a barrier stage of N ranks is launched: all N tasks must run at once, so the executors registered
 * must offer N task slots, and their number must not change under the stage (no dynamic allocation).
 *
 * <p>Spark checks the same before it runs a barrier stage, but on failure it retries
 * ({@code spark.scheduler.barrier.maxConcurrentTasksCheck.*}, by default 40 times 15 s, ten minutes) and then reports
 * an internal error. This check waits only while executors are still registering — until no executor has come or
 * gone for {@code spark.scheduler.maxRegisteredResourcesWaitingTime} (Spark's own bound for the wait before the first
 * job, default 30 s, as with {@code spark.scheduler.minRegisteredResourcesRatio}) — and then fails with a message
 * that says what to change.
 *
 * <p>The number of slots is Spark's own: {@code SparkContext.maxNumConcurrentTasks} for the default resource
 * profile, the very number its barrier check compares with. It counts executor cores ÷ {@code spark.task.cpus} and
 * also task resources such as GPUs ({@code spark.task.resource.gpu.amount}), which no public API reports. The method
 * is {@code private[spark]} in Scala (public in the bytecode); a Spark upgrade that changes it fails to compile here,
 * and {@code BarrierRanksIT} and {@code StandaloneClusterIT} exercise it.
 */
public final class BarrierSlots {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BarrierSlots.class);
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
     * {@link RanksUnavailableException} once it is clear that they cannot: at once under a local master (its slots
     * are fixed), else when fewer slots than ranks have been registered and no executor has come or gone for the
     * registration wait (counted from the application's start or the last change, whichever is later). While no
     * executor at all has registered it keeps waiting, as every Spark job does, and says so in the log.
     *
     * @return the number of slots found
     */
    public static int await(SparkContext sc, int ranks) {
        refuseDynamicAllocation(sc.getConf());
        int slots = slots(sc);
        if (slots >= ranks) {
            return slots;
        }
        if (sc.isLocal()) {
            throw new RanksUnavailableException(notEnough(sc, ranks, slots, 0));
        }
        long waitMs = sc.getConf().getTimeAsMs(WAIT_KEY, "30s");
        long deadline = sc.startTime() + waitMs;
        long lastNotice = System.currentTimeMillis();
        while (slots < ranks && (slots == 0 || System.currentTimeMillis() < deadline)) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
            long now = System.currentTimeMillis();
            int registered = slots(sc);
            if (registered != slots) {
                deadline = Math.max(deadline, now + waitMs);
                slots = registered;
            }
            if (slots == 0 && now - lastNotice >= waitMs) {
                LOG.warn("no executor has registered yet; waiting, since {} ranks need {} task slots at once", ranks, ranks);
                lastNotice = now;
            }
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
        return head + "the " + executors + " executor(s) registered (none came or left in the last " + waitMs / 1000.0
                + " s, " + WAIT_KEY + ") can run only " + slots + " (executor cores / spark.task.cpus = "
                + sc.getConf().get("spark.task.cpus", "1") + ", and task resources such as GPUs): lower cluster.ranks"
                + " to at most " + slots + ", or give the application more task slots (more workers or executors:"
                + " spark.executor.instances, spark.executor.cores, spark.cores.max), or wait longer for executors"
                + " with " + WAIT_KEY;
    }
}
