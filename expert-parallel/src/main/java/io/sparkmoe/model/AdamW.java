package io.sparkmoe.model;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sparkmoe.conf.OptimizerConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW over a {@link Parameters} store, as PyTorch's (MODEL.md "Training"): optional global-norm clipping first
 * ({@code g ← g·c/(‖g‖ + 1e-6)} when that factor is below 1), then per tensor {@code p ← p·(1 − lr·wd)} (decoupled
 * decay, only on matrices other than the token embedding: not on norms, scalars or the embedding, an untied head
 * and the cosine router's expert embeddings included), {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
 * {@code p ← p − lr·m̂/(√v̂ + ε)} with {@code m̂ = m/(1−β1^t)}, {@code v̂ = v/(1−β2^t)}.
 *
 * <p>The update is one fused loop per tensor over Java arrays, since the dozen ND4J ops per tensor it replaces each
 * allocated a temporary of the tensor's size. The moments are float64 (as the loop computes), held in ND4J arrays so
 * that checkpoints read and restore them like any tensor.
 *
 * <p>Its state, for checkpoints, is the step count {@code t} and the moments {@code m}, {@code v} of every learned
 * tensor, named as PyTorch's AdamW names them: {@code <tensor>.exp_avg} and {@code <tensor>.exp_avg_sq}.
 */
public final class AdamW {

    /** Suffix of a tensor's first moment in {@link #state()}. */
    public static final String EXP_AVG = ".exp_avg";
    /** Suffix of a tensor's second moment in {@link #state()}. */
    public static final String EXP_AVG_SQ = ".exp_avg_sq";

    private final Parameters params;
    private final OptimizerConfig config;
    private final LearningRateSchedule schedule;
    private final Map<String, INDArray> first = new HashMap<>();
    private final Map<String, INDArray> second = new HashMap<>();
    /** Per thread of {@link ParallelLoops}: reused p, g, m, v arrays and their NIO copies. */
    private final ThreadLocal<Workspace> workspaces = ThreadLocal.withInitial(Workspace::new);
    private final List<String> names;
    private int step;

    public AdamW(Parameters params, OptimizerConfig config, int totalSteps) {
        this.params = params;
        this.config = config;
        this.schedule = new LearningRateSchedule(config, totalSteps);
        this.names = List.copyOf(params.names());
        for (String name : params.names()) {
            long[] shape = params.value(name).shape();
            first.put(name, Nd4j.zeros(DataType.DOUBLE, shape));
            second.put(name, Nd4j.zeros(DataType.DOUBLE, shape));
        }
    }

    /** Whether a tensor gets weight decay: matrices except the token embedding. */
    public static boolean decays(String name, INDArray value) {
        return value.rank() >= 2 && !name.equals(MoeTransformer.EMBED);
    }

    /** Steps taken so far. */
    public int steps() {
        return step;
    }

    /**
     * The moments by name ({@code <tensor>.exp_avg}, {@code <tensor>.exp_avg_sq}, in the store's tensor order): the
     * live arrays, so that a checkpoint reads them and a resume overwrites them in place.
     */
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (String name : params.names()) {
            state.put(name + EXP_AVG, first.get(name));
            state.put(name + EXP_AVG_SQ, second.get(name));
        }
        return Collections.unmodifiableMap(state);
    }

    /** Continues as if {@code steps} steps had been taken (the moments are restored through {@link #state()}). */
    public void resumeAt(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("AdamW step count " + steps + " is negative");
        }
        this.step = steps;
    }

    /** Clips (if configured), applies one update with the gradients in the store, and returns ‖g‖ before clipping. */
    public double step() {
        return step(Math.sqrt(squaredNorm(name -> true)));
    }

    /**
     * As {@link #step()}, clipping by a norm computed elsewhere: a rank of an expert-parallel run holds a part of the
     * model, and the norm it clips by is over all ranks' gradients.
     */
    public double step(double norm) {
        double clip = Math.min(1.0, config.gradClip().map(c -> c / (norm + 1e-6)).orElse(1.0));
        double lr = schedule.at(step);
        step++;
        double bias1 = 1 - Math.pow(config.beta1(), step);
        double bias2 = 1 - Math.pow(config.beta2(), step);
        double sqrtBias2 = Math.sqrt(bias2);
        double stepSize = lr / bias1;
        // tensors are independent: each is one task of the parallel loop, with the same arithmetic as alone
        ParallelLoops.forEach(names.size(), t -> {
            String name = names.get(t);
            INDArray pArray = params.value(name);
            double keep = decays(name, pArray) ? 1 - lr * config.weightDecay() : 1;
            workspaces.get().update(pArray, params.gradient(name), first.get(name), second.get(name), clip, keep,
                    stepSize, sqrtBias2);
        });
        return norm;
    }

    /**
     * One thread's reused arrays for the fused update of a tensor, done in pieces of {@link #PIECE} values so that
     * the piece's p, g, m, v stay in the core's cache between the read, the update and the write (a whole expert
     * matrix's would not: the update was memory-bound).
     */
    private final class Workspace {
        private static final int PIECE = 8192;
        private final Buffers buffers = new Buffers();
        private double[] p = new double[0];
        private double[] g = new double[0];
        private double[] m = new double[0];
        private double[] v = new double[0];

        void update(INDArray pArray, INDArray gArray, INDArray mArray, INDArray vArray, double clip, double keep,
                    double stepSize, double sqrtBias2) {
            int n = (int) pArray.length();
            boolean inPlace = Buffers.direct(pArray) && Buffers.direct(gArray) && Buffers.direct(mArray)
                    && Buffers.direct(vArray);
            int piece = inPlace ? Math.min(n, PIECE) : n;
            p = Buffers.ensure(p, piece);
            g = Buffers.ensure(g, piece);
            m = Buffers.ensure(m, piece);
            v = Buffers.ensure(v, piece);
            if (!inPlace) {
                buffers.read(pArray, p);
                buffers.read(gArray, g);
                buffers.read(mArray, m);
                buffers.read(vArray, v);
                apply(n, clip, keep, stepSize, sqrtBias2);
                buffers.write(p, pArray);
                buffers.write(m, mArray);
                buffers.write(v, vArray);
                return;
            }
            for (int from = 0; from < n; from += piece) {
                int len = Math.min(piece, n - from);
                buffers.readRange(pArray, from, p, len);
                buffers.readRange(gArray, from, g, len);
                buffers.readRange(mArray, from, m, len);
                buffers.readRange(vArray, from, v, len);
                apply(len, clip, keep, stepSize, sqrtBias2);
                buffers.writeRange(p, pArray, from, len);
                buffers.writeRange(m, mArray, from, len);
                buffers.writeRange(v, vArray, from, len);
            }
        }

        private void apply(int n, double clip, double keep, double stepSize, double sqrtBias2) {
            double b1 = config.beta1();
            double b2 = config.beta2();
            double eps = config.eps();
            for (int i = 0; i < n; i++) {
                double gi = g[i] * clip;
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                p[i] = p[i] * keep - stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBias2 + eps);
            }
        }
    }

    /** Σ‖g‖² over the learned tensors whose names pass {@code which} (tensors in parallel, summed in store order). */
    public double squaredNorm(java.util.function.Predicate<String> which) {
        List<String> chosen = params.names().stream().filter(which).toList();
        double[] norms = new double[chosen.size()];
        ParallelLoops.forEach(chosen.size(), t -> norms[t] = params.gradient(chosen.get(t)).norm2Number().doubleValue());
        double sum = 0;
        for (double n : norms) {
            sum += n * n;
        }
        return sum;
    }
}
