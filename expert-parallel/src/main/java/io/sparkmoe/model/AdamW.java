package io.sparkmoe.model;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.sparkmoe.conf.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW over a {@link Parameters} store, as PyTorch's (MODEL.md "Training"): optional global-norm clipping first
 * ({@code g ← g·c/(‖g‖ + 1e-6)} when that factor is below 1), then per tensor {@code p ← p·(1 − lr·wd)} (decoupled
 * decay, only on matrices other than the token embedding: not on norms, scalars or the embedding, an untied head
 * and the cosine router's expert embeddings included), {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
 * {@code p ← p − lr·m̂/(√v̂ + ε)} with {@code m̂ = m/(1−β1^t)}, {@code v̂ = v/(1−β2^t)}.
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
    private int step;

    public AdamW(Parameters params, OptimizerConfig config, int totalSteps) {
        this.params = params;
        this.config = config;
        this.schedule = new LearningRateSchedule(config, totalSteps);
        for (String name : params.names()) {
            first.put(name, Nd4j.zerosLike(params.value(name)));
            second.put(name, Nd4j.zerosLike(params.value(name)));
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
        double norm = globalNorm();
        double clip = config.gradClip().map(c -> c / (norm + 1e-6)).orElse(1.0);
        double lr = schedule.at(step);
        step++;
        double bias1 = 1 - Math.pow(config.beta1(), step);
        double bias2 = 1 - Math.pow(config.beta2(), step);
        for (String name : params.names()) {
            INDArray p = params.value(name);
            INDArray g = clip < 1 ? params.gradient(name).mul(clip) : params.gradient(name);
            INDArray m = first.get(name);
            INDArray v = second.get(name);
            if (decays(name, p)) {
                p.muli(1 - lr * config.weightDecay());
            }
            m.muli(config.beta1()).addi(g.mul(1 - config.beta1()));
            v.muli(config.beta2()).addi(g.mul(g).muli(1 - config.beta2()));
            INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(bias2)).addi(config.eps());
            p.subi(m.div(denominator).muli(lr / bias1));
        }
        return norm;
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
