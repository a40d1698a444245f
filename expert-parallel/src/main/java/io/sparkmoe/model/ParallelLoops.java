package io.sparkmoe.model;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs the step's Java loops (the cross-entropy's rows, AdamW's tensors) on all cores instead of the calling thread
 * alone. While they run, ND4J's OpenMP and OpenBLAS threads have nothing to do (the calling thread is the one that
 * would start their next op), so on a 2-core machine one core sat idle through every such loop.
 *
 * <p>Deterministic by construction: callers split their work into tasks whose number and boundaries do not depend on
 * the number of threads, every task writes only its own outputs, and partial sums are combined by the caller in task
 * order. So the results are the same bit for bit with 1 thread or 16, which checkpoint resume and the N-rank-vs-1
 * tests rely on. The pool's threads are daemons; its size is the machine's cores, or the system property
 * {@code sparkmoe.loop-threads}. Ranks of one JVM share it.
 */
final class ParallelLoops {

    private static final ForkJoinPool POOL = new ForkJoinPool(threads(), pool -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setDaemon(true);
        t.setName("sparkmoe-loops-" + t.getPoolIndex());
        return t;
    }, null, false);

    /** Set while {@link #inline} runs: loops started on this thread then run on it alone. */
    private static final ThreadLocal<Boolean> INLINE = ThreadLocal.withInitial(() -> false);

    private ParallelLoops() {
    }

    /** Runs {@code work} with every loop it starts on this thread alone (tests compare it with the pool's results). */
    static void inline(Runnable work) {
        boolean before = INLINE.get();
        INLINE.set(true);
        try {
            work.run();
        } finally {
            INLINE.set(before);
        }
    }

    static int threads() {
        int cores = Runtime.getRuntime().availableProcessors();
        return Math.max(1, Integer.getInteger("sparkmoe.loop-threads", cores));
    }

    /** Runs {@code body(i)} for every i in [0, tasks), in any order and on any thread; rethrows a task's failure. */
    static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 1 || POOL.getParallelism() == 1 || INLINE.get()) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        // the first failure is kept as thrown (the pool would rethrow a copy of it, wrapped, in this thread)
        AtomicReference<Throwable> failure = new AtomicReference<>();
        POOL.submit(() -> IntStream.range(0, tasks).parallel().forEach(i -> {
            if (failure.get() != null) {
                return;
            }
            try {
                body.accept(i);
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        })).join();
        Throwable e = failure.get();
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        if (e != null) {
            throw (Error) e;
        }
    }
}
