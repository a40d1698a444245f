package io.sparkmoe.jobs.spark;

import java.util.Arrays;
import java.util.List;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The GPU addresses Spark's scheduler assigned to the running task ({@code spark.task.resource.gpu.amount}), which
 * a rank turns into its device with {@code GpuSelection}: tasks of one executor get different addresses, so they never
 * share a GPU by accident.
 */
public final class TaskGpus {

    /** Spark's resource name for GPUs. */
    public static final String GPU = "gpu";

    private TaskGpus() {
    }

    /** The current task's GPU addresses; empty outside a task or when none were requested. */
    public static List<String> addresses() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return List.of();
        }
        ResourceInformation gpu = task.resources().get(GPU).getOrElse(() -> null);
        return gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    }
}
