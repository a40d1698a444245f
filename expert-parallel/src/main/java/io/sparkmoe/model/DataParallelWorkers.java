package io.sparkmoe.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import io.sparkmoe.conf.ModelConfig;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.stats.RoutingStatistics;
import io.sparkmoe.routing.stats.StatisticsCollector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Data parallelism inside one JVM ({@code train.workers}): W model replicas, each on its own thread, train on W
 * equal slices of a step's sequences; their gradients are summed into the primary replica, AdamW steps it, and the
 * others copy its tensors back. With W = 1 it is the plain model on the calling thread, bit for bit.
 *
 * <p>Why: on a few cores the model's GEMMs are small (a head's T×T scores, an expert's rows), and spreading each one
 * over the cores costs more in synchronisation than it gains (docs/benchmarks.md, rounds 4 and 5). W workers that
 * each run every op single-threaded keep every core busy with no per-op hand-off; the caller sets the native math to
 * one thread per call (the trainer and the benchmark do).
 *
 * <p>The math is that of one model on the whole batch. Each worker's loss is the mean over its own tokens, and the
 * slices hold equal token counts (no padding), so the batch loss is the mean of the workers' losses and its gradient
 * the mean of theirs: the primary's gradients become {@code (g_0 + g_1 + … + g_{W−1}) / W}, summed in worker order
 * (the same bits whatever thread finishes first). The auxiliary losses are per-token means too, so their batch value
 * is the workers' mean, except the load-balance loss {@code α·E·Σ_e f_e·P_e} (Switch Transformer; MODEL.md), whose
 * f_e counts the whole batch's assignments: every MoE layer sums its counts over the workers while routing (a
 * barrier per layer), so that loss and its gradient equal the one-model values. What is decided per batch is decided
 * per slice, as in data-parallel training across machines: capacity drops, {@code expert-choice} and {@code base}
 * assignments. Routers that adjust themselves after a step from the batch's decision (the sigmoid router's bias
 * update, the ReLU router's sparsity control) are refused with W > 1 by the configuration's checks. The results
 * differ from W = 1 by float rounding (the gradient sums run in another order), and never depend on the core count.
 */
public final class DataParallelWorkers {

    private final List<MoeTransformer> models = new ArrayList<>();
    private final List<LayerCounts> counts = new ArrayList<>();
    private final ThreadPoolExecutor threads;
    private final double[] losses;
    private final double[] auxLosses;
    private volatile boolean summing;
    private double squaredGradientNorm;
    /** Values per piece of the gradient average: with W arrays of them, well inside a core's cache. */
    private static final int REDUCE_PIECE = 8192;
    /** Per thread of {@link ParallelLoops}: the gradient average's reused arrays. */
    private final ThreadLocal<AverageWorkspace> averageWorkspaces = ThreadLocal.withInitial(AverageWorkspace::new);

    /**
     * W replicas of the model {@code new MoeTransformer(config, routing, vocab, type, seed)} would build (they draw
     * the same initial values); the first is the primary, whose tensors and gradients are the model's.
     */
    public DataParallelWorkers(ModelConfig config, RoutingConfig routing, int vocab, DataType type, long seed,
                               int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        for (int i = 0; i < config.layers(); i++) {
            counts.add(new LayerCounts(workers));
        }
        for (int w = 0; w < workers; w++) {
            int worker = w;
            MoeLayerFactory layers = workers == 1 ? MoeLayerFactory.LOCAL
                    : MoeLayerFactory.local(layer -> c -> counts.get(layer).sum(worker, c));
            models.add(new MoeTransformer(config, routing, vocab, type, seed, layers));
        }
        AtomicInteger index = new AtomicInteger(1);
        // idle threads end after a while, so replicas that are dropped leave no threads behind
        threads = workers == 1 ? null : new ThreadPoolExecutor(workers - 1, workers - 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "sparkmoe-worker-" + index.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                });
        if (threads != null) {
            threads.allowCoreThreadTimeOut(true);
        }
        losses = new double[workers];
        auxLosses = new double[workers];
    }

    /** The replica whose tensors, gradients and clock are the model's (checkpoints, the optimizer, exports). */
    public MoeTransformer primary() {
        return models.get(0);
    }

    public int workers() {
        return models.size();
    }

    /** Zeroes every replica's gradients. */
    public void zeroGradients() {
        inParallel(w -> models.get(w).parameters().zeroGradients());
    }

    /**
     * The training loss of ids [B][T+1] (B a multiple of W, no padding): worker w takes sequences
     * {@code [w·B/W, (w+1)·B/W)}; the mean of the workers' {@link MoeTransformer#loss}. Prepares {@link #backward}.
     */
    public double loss(int[][] ids) {
        int w = workers();
        if (ids.length % w != 0) {
            throw new IllegalArgumentException("a batch of " + ids.length + " sequences does not split over " + w
                    + " workers");
        }
        int per = ids.length / w;
        inParallel(i -> {
            MoeTransformer m = models.get(i);
            losses[i] = m.loss(Arrays.copyOfRange(ids, i * per, (i + 1) * per), -1);
            auxLosses[i] = m.auxLoss();
        });
        return mean(losses);
    }

    /** The auxiliary losses' part of the last {@link #loss}. */
    public double auxLoss() {
        return mean(auxLosses);
    }

    /**
     * Every replica's backward, then the primary's gradients become the workers' mean: one pass per tensor, in
     * pieces that stay in cache, which also sums the squares for the clip norm of {@link #step}.
     */
    public void backward() {
        inParallel(w -> models.get(w).backward());
        if (workers() == 1) {
            return;
        }
        List<String> names = primary().parameters().names();
        double[] squares = new double[names.size()];
        double scale = 1.0 / workers();
        ParallelLoops.forEach(names.size(), t -> squares[t] = averageInto(names.get(t), scale));
        double sum = 0;
        for (double s : squares) {
            sum += s;
        }
        squaredGradientNorm = sum;
    }

    /**
     * Clips and applies one AdamW update to the primary with the gradients of the last {@link #backward}, and returns
     * their norm before clipping (the norm of the averaged gradients, summed while averaging them).
     */
    public double step(AdamW optimizer) {
        return workers() == 1 ? optimizer.step() : optimizer.step(Math.sqrt(squaredGradientNorm));
    }

    /** g_0 ← (g_0 + … + g_{W−1})·scale for one tensor, piece by piece; returns Σ of the result's squares. */
    private double averageInto(String name, double scale) {
        INDArray target = primary().parameters().gradient(name);
        boolean direct = Buffers.direct(target);
        for (int w = 1; w < workers(); w++) {
            direct &= Buffers.direct(models.get(w).parameters().gradient(name));
        }
        if (!direct) {
            for (int w = 1; w < workers(); w++) {
                target.addi(models.get(w).parameters().gradient(name));
            }
            double norm = target.muli(scale).norm2Number().doubleValue();
            return norm * norm;
        }
        boolean float32 = target.dataType() == DataType.FLOAT;
        AverageWorkspace ws = averageWorkspaces.get();
        Buffers buffers = ws.buffers;
        double[] sum = ws.sum;
        double[] part = ws.part;
        int n = (int) target.length();
        int piece = Math.min(n, REDUCE_PIECE);
        double squares = 0;
        for (int from = 0; from < n; from += piece) {
            int len = Math.min(piece, n - from);
            buffers.readRange(target, from, sum, len);
            for (int w = 1; w < workers(); w++) {
                buffers.readRange(models.get(w).parameters().gradient(name), from, part, len);
                for (int i = 0; i < len; i++) {
                    sum[i] += part[i];
                }
            }
            for (int i = 0; i < len; i++) {
                // rounded to the gradient's type first, so the norm is that of the stored gradient
                double g = float32 ? (float) (sum[i] * scale) : sum[i] * scale;
                sum[i] = g;
                squares += g * g;
            }
            buffers.writeRange(sum, target, from, len);
        }
        return squares;
    }

    /** After the optimizer stepped the primary: its routers' after-step rules, then every replica copies it. */
    public void afterStep() {
        primary().afterStep();
        syncReplicas();
    }

    /** Copies the primary's tensors (learned ones and buffers) into every other replica: after a step or a restore. */
    public void syncReplicas() {
        if (workers() == 1) {
            return;
        }
        List<Map.Entry<String, INDArray>> tensors = new ArrayList<>(primary().parameters().tensors().entrySet());
        ParallelLoops.forEach(tensors.size(), t -> {
            for (int w = 1; w < workers(); w++) {
                models.get(w).parameters().tensor(tensors.get(t).getKey()).assign(tensors.get(t).getValue());
            }
        });
    }

    /** The last forward's routing statistics per MoE block, over the whole batch (the workers' combined). */
    public SortedMap<Integer, RoutingStatistics> routingStatistics() {
        List<SortedMap<Integer, RoutingStatistics>> perWorker = new ArrayList<>();
        for (MoeTransformer m : models) {
            perWorker.add(m.routingStatistics());
        }
        SortedMap<Integer, RoutingStatistics> out = new TreeMap<>();
        perWorker.get(0).keySet().forEach(layer ->
                out.put(layer, StatisticsCollector.combine(perWorker.stream().map(s -> s.get(layer)).toList())));
        return out;
    }

    /** The primary's step clock (the other workers' time runs alongside it), draining every replica's. */
    public Map<String, Double> drainClock() {
        for (int w = 1; w < workers(); w++) {
            models.get(w).clock().drain();
        }
        return primary().clock().drain();
    }

    /**
     * Runs {@code work(w)} for every worker, worker 0 on this thread, and waits for all. A failure stops the others
     * at their next count exchange and is rethrown (the lowest worker's, as thrown).
     */
    private void inParallel(IntConsumer work) {
        if (workers() == 1) {
            work.accept(0);
            return;
        }
        Throwable[] failures = new Throwable[workers()];
        IntConsumer guarded = w -> {
            try {
                work.accept(w);
            } catch (RuntimeException | Error e) {
                failures[w] = e;
                counts.forEach(LayerCounts::abort);
            }
        };
        summing = true;
        try {
            List<Future<?>> others = new ArrayList<>();
            for (int w = 1; w < workers(); w++) {
                int worker = w;
                others.add(threads.submit(() -> guarded.accept(worker)));
            }
            guarded.accept(0);
            for (Future<?> f : others) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a data-parallel worker failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    counts.forEach(LayerCounts::abort);
                    throw new IllegalStateException("interrupted while waiting for the data-parallel workers", e);
                }
            }
        } finally {
            summing = false;
        }
        Throwable first = null;
        for (Throwable t : failures) {
            if (t != null && (first == null || first instanceof WorkerAborted && !(t instanceof WorkerAborted))) {
                first = t;
            }
        }
        if (first != null) {
            counts.forEach(LayerCounts::reset);
            if (first instanceof RuntimeException) {
                throw (RuntimeException) first;
            }
            throw (Error) first;
        }
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** One thread's reused piece of a gradient sum, a piece of one replica's gradient, and their NIO copies. */
    private static final class AverageWorkspace {
        final Buffers buffers = new Buffers();
        final double[] sum = new double[REDUCE_PIECE];
        final double[] part = new double[REDUCE_PIECE];
    }

    /** Thrown in the workers that were waiting for one that failed. */
    private static final class WorkerAborted extends IllegalStateException {
        WorkerAborted() {
            super("stopped: another data-parallel worker failed");
        }
    }

    /** One MoE block's load-balance counts, summed over the workers when all have arrived. */
    private final class LayerCounts {
        private final int[][] parts;
        private int arrived;
        private long generation;
        private int[] total;
        private boolean aborted;

        LayerCounts(int workers) {
            parts = new int[workers][];
        }

        /** The sum over workers of their counts (in worker order); a replica used alone keeps its own. */
        synchronized int[] sum(int worker, int[] mine) {
            if (!summing) {
                return mine;
            }
            if (aborted) {
                throw new WorkerAborted();
            }
            parts[worker] = mine;
            long mark = generation;
            if (++arrived == parts.length) {
                total = new int[mine.length];
                for (int[] p : parts) {
                    for (int e = 0; e < total.length; e++) {
                        total[e] += p[e];
                    }
                }
                arrived = 0;
                generation++;
                notifyAll();
                return total.clone();
            }
            while (generation == mark && !aborted) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new WorkerAborted();
                }
            }
            if (generation == mark) {
                throw new WorkerAborted();
            }
            return total.clone();
        }

        /** Workers waiting here, and any that arrive later, stop with {@link WorkerAborted}. */
        synchronized void abort() {
            aborted = true;
            notifyAll();
        }

        /** Ready for the next call once every worker has stopped. */
        synchronized void reset() {
            aborted = false;
            arrived = 0;
        }
    }
}
