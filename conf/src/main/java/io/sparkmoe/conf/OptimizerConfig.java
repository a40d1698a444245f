package io.sparkmoe.conf;

import java.util.Optional;

import static io.sparkmoe.conf.Key.atLeast;
import static io.sparkmoe.conf.Key.positive;

/**
 * Section {@code train.optimizer}: AdamW with linear warm-up then cosine decay (MODEL.md, "Training").
 *
 * @param lr          peak learning rate
 * @param minLr       learning rate at the end of the cosine decay
 * @param warmupSteps steps of linear warm-up
 * @param weightDecay decoupled weight decay on matrices
 * @param gradClip    global-norm clipping threshold; empty = no clipping
 * @param beta1       AdamW β1
 * @param beta2       AdamW β2
 * @param eps         AdamW ε
 */
public record OptimizerConfig(double lr, double minLr, int warmupSteps, double weightDecay,
                              Optional<Double> gradClip, double beta1, double beta2, double eps) {

    static final Key<Double> LR = Key.required("train.optimizer.lr", ValueType.number(), 3e-4,
            "Peak learning rate").must(positive(), "> 0");
    static final Key<Double> MIN_LR = Key.required("train.optimizer.min-lr", ValueType.number(), 3e-5,
            "Learning rate at the end of the cosine decay").must(v -> v >= 0, ">= 0");
    static final Key<Integer> WARMUP_STEPS = Key.required("train.optimizer.warmup-steps", ValueType.integer(), 10,
            "Linear warm-up steps").must(atLeast(0), ">= 0");
    static final Key<Double> WEIGHT_DECAY = Key.required("train.optimizer.weight-decay", ValueType.number(), 0.1,
            "Decoupled weight decay on matrices").must(v -> v >= 0, ">= 0");
    static final Key<Double> GRAD_CLIP = Key.optional("train.optimizer.grad-clip", ValueType.number(), 1.0,
            "Global gradient-norm clipping; null = no clipping").must(positive(), "> 0");
    static final Key<Double> BETA1 = Key.required("train.optimizer.beta1", ValueType.number(), 0.9,
            "AdamW beta1").must(v -> v >= 0 && v < 1, "in [0, 1)");
    static final Key<Double> BETA2 = Key.required("train.optimizer.beta2", ValueType.number(), 0.95,
            "AdamW beta2").must(v -> v >= 0 && v < 1, "in [0, 1)");
    static final Key<Double> EPS = Key.required("train.optimizer.eps", ValueType.number(), 1e-8,
            "AdamW epsilon").must(positive(), "> 0");

    static OptimizerConfig read(ConfigReader r) {
        OptimizerConfig c = new OptimizerConfig(r.get(LR), r.get(MIN_LR), r.get(WARMUP_STEPS), r.get(WEIGHT_DECAY),
                r.getOptional(GRAD_CLIP), r.get(BETA1), r.get(BETA2), r.get(EPS));
        r.check(c.minLr <= c.lr, "min-lr (" + c.minLr + ") exceeds lr (" + c.lr + ")", MIN_LR, LR);
        return c;
    }
}
