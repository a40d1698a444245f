package io.sparkmoe.train;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * How the native threads of the ND4J CPU backend should wait, and the advice when a JVM was started otherwise.
 *
 * <p>The backend has two thread pools: libnd4j runs its element-wise ops and reductions on an OpenMP team, and the
 * GEMMs run on OpenBLAS's own threads. With OpenMP's default wait policy an idle OpenMP worker keeps spinning for a
 * while after every op, so on a machine with as many cores as threads the next GEMM's OpenBLAS worker finds its core
 * taken and the calling thread waits for it ({@code sched_yield} in every GEMM of a profile). With
 * {@code OMP_WAIT_POLICY=PASSIVE} the OpenMP workers sleep as soon as an op ends. The variable is read once, when the
 * OpenMP runtime loads, so it has to be in the environment of every JVM that computes: the launcher exports it, the
 * Maven test plugins set it, {@code io.sparkmoe.jobs.spark.SparkSessions} puts it into every executor's environment
 * ({@code spark.executorEnv.OMP_WAIT_POLICY}) and the container images set it. Measured in docs/benchmarks.md
 * (round 4): +25–37 % training tokens/s at {@code preset=small} on 2 cores.
 */
public final class NativeThreads {

    /** The environment variable the OpenMP runtime reads. */
    public static final String WAIT_POLICY_VARIABLE = "OMP_WAIT_POLICY";
    /** The value SparkMoE's JVMs should run with. */
    public static final String WAIT_POLICY = "PASSIVE";

    private NativeThreads() {
    }

    /** Sets ND4J's OpenMP and BLAS threads (the reference's {@code torch.set_num_threads}). */
    public static void set(int threads) {
        set(threads, threads, threads);
    }

    private static void set(int master, int omp, int blas) {
        Nd4j.getEnvironment().setMaxMasterThreads(master);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(omp);
        Nd4j.factory().blas().setMaxThreads(blas);
    }

    /**
     * Runs {@code work} with ND4J's native math single-threaded when {@code workers} data-parallel workers share the
     * cores ({@link io.sparkmoe.model.DataParallelWorkers}), then restores the BLAS and OpenMP thread counts; with one
     * worker it just runs it.
     */
    public static <T> T forWorkers(int workers, Supplier<T> work) {
        if (workers == 1) {
            return work.get();
        }
        int blas = Nd4j.factory().blas().getMaxThreads();
        int master = Nd4j.getEnvironment().maxMasterThreads();
        int omp = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        set(1);
        try {
            return work.get();
        } finally {
            set(master, omp, blas);
        }
    }

    /** The wait policy of this process's environment, or "unset". */
    public static String waitPolicy() {
        return waitPolicy(System.getenv());
    }

    static String waitPolicy(Map<String, String> env) {
        String value = env.get(WAIT_POLICY_VARIABLE);
        return value == null || value.isBlank() ? "unset" : value.trim();
    }

    /** A one-line note when this process does not run with the passive wait policy, else empty. */
    public static Optional<String> advice() {
        return advice(System.getenv());
    }

    static Optional<String> advice(Map<String, String> env) {
        String policy = waitPolicy(env);
        if (policy.equalsIgnoreCase(WAIT_POLICY)) {
            return Optional.empty();
        }
        return Optional.of(String.format("note: %s is %s; with %s=%s ND4J's OpenMP threads stop spinning after each op "
                        + "and leave the cores to the GEMMs (bin/sparkmoe sets it; see docs/benchmarks.md, round 4)",
                WAIT_POLICY_VARIABLE, policy, WAIT_POLICY_VARIABLE, WAIT_POLICY));
    }
}
