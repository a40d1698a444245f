package io.sparkmoe.model;

import java.util.HashMap;
import java.util.Map;

import io.sparkmoe.conf.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW over a {@link Parameters} store, as PyTorch's (MODEL.md "Training"): optional global-norm clipping first
 * ({@code g ← g·c/(‖g‖ + 1e-6)} when that factor is below 1), then per tensor {@code p ← p·(1 − lr·wd)} (decoupled
 * decay, only on matrices other than the token embedding: not on norms, scalars or the embedding, an untied head
 * and the cosine router's expert embeddings included), {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
 * {@code p ← p − lr·m̂/(√v̂ + ε)} with {@code m̂ = m/(1−β1^t)}, {@code v̂ = v/(1−β2^t)}.
 *
 * <p>The update is one fused loop per tensor over Java arrays (moments kept in float64 on the heap), since the
 * dozen ND4J ops per tensor it replaces each allocated a temporary of the tensor's size.
 */
public final class AdamW {

    private final Parameters params;
    private final OptimizerConfig config;
    private final LearningRateSchedule schedule;
    private final Map<String, double[]> first = new HashMap<>();
    private final Map<String, double[]> second = new HashMap<>();
    private final Buffers buffers = new Buffers();
    private final double[][] work = {new double[0], new double[0]};
    private int step;

    public AdamW(Parameters params, OptimizerConfig config, int totalSteps) {
        this.params = params;
        this.config = config;
        this.schedule = new LearningRateSchedule(config, totalSteps);
    }

    /** Whether a tensor gets weight decay: matrices except the token embedding. */
    public static boolean decays(String name, INDArray value) {
        return value.rank() >= 2 && !name.equals(MoeTransformer.EMBED);
    }

    /** Steps taken so far. */
    public int steps() {
        return step;
    }

    /** Clips (if configured), applies one update with the gradients in the store, and returns ‖g‖ before clipping. */
    public double step() {
        double norm = globalNorm();
        double clip = Math.min(1.0, config.gradClip().map(c -> c / (norm + 1e-6)).orElse(1.0));
        double lr = schedule.at(step);
        step++;
        double bias1 = 1 - Math.pow(config.beta1(), step);
        double bias2 = 1 - Math.pow(config.beta2(), step);
        double b1 = config.beta1();
        double b2 = config.beta2();
        double eps = config.eps();
        double sqrtBias2 = Math.sqrt(bias2);
        double stepSize = lr / bias1;
        for (String name : params.names()) {
            INDArray pArray = params.value(name);
            int n = (int) pArray.length();
            double[] m = first.computeIfAbsent(name, k -> new double[n]);
            double[] v = second.computeIfAbsent(name, k -> new double[n]);
            double[] p = scratch(0, n);
            double[] g = scratch(1, n);
            buffers.read(pArray, p);
            buffers.read(params.gradient(name), g);
            double keep = decays(name, pArray) ? 1 - lr * config.weightDecay() : 1;
            for (int i = 0; i < n; i++) {
                double gi = g[i] * clip;
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                p[i] = p[i] * keep - stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBias2 + eps);
            }
            buffers.write(p, pArray);
        }
        return norm;
    }

    private double[] scratch(int which, int n) {
        if (work[which].length < n) {
            work[which] = new double[n];
        }
        return work[which];
    }

    private double globalNorm() {
        double sum = 0;
        for (String name : params.names()) {
            double n = params.gradient(name).norm2Number().doubleValue();
            sum += n * n;
        }
        return Math.sqrt(sum);
    }
}
