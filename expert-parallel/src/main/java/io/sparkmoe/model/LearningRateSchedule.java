package io.sparkmoe.model;

import io.sparkmoe.conf.OptimizerConfig;

/**
 * MODEL.md's schedule, as the reference's {@code lr_at}: linear warm-up to {@code lr} over {@code warmup-steps}
 * ({@code lr·(step+1)/warmup}), then cosine decay to {@code min-lr} at {@code totalSteps}, constant after.
 */
public final class LearningRateSchedule {

    private final double lr;
    private final double minLr;
    private final int warmup;
    private final int total;

    public LearningRateSchedule(OptimizerConfig config, int totalSteps) {
        this.lr = config.lr();
        this.minLr = config.minLr();
        this.warmup = config.warmupSteps();
        this.total = totalSteps;
    }

    /** Learning rate of step {@code step} (0-based). */
    public double at(int step) {
        if (step < warmup) {
            return lr * (step + 1) / warmup;
        }
        double t = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
        return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t));
    }
}
