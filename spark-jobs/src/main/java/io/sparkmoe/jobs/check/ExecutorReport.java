package io.sparkmoe.jobs.check;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one task of {@code sparkmoe check} found on its executor. A plain class (not a record) because
 * Kryo's field serializer sets fields after construction, which records forbid.
 */
public final class ExecutorReport {

    public int partition;
    public String executorId;
    public String host;
    public String backend;
    public String blas;
    public int threads;
    /** The GPU address Spark assigned to the task, or {@code none}. */
    public String gpu;
    /** What the task did with it (see {@code GpuSelection}). */
    public String gpuNote;
    public double millis;
    /** The product computed on the executor, shipped back through Kryo. */
    public INDArray product;

    public ExecutorReport() {
    }
}
