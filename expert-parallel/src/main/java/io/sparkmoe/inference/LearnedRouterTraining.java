package io.sparkmoe.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import io.sparkmoe.conf.OptimizerConfig;
import io.sparkmoe.model.AdamW;

/**
 * Trains a {@link LearnedRouter} on labelled prefixes (the first tokens of the training windows, labelled with their
 * cluster) by minibatch AdamW: uniformly drawn examples, the project's AdamW with a short linear warm-up then cosine
 * decay to a tenth of the rate, gradients clipped at norm 1.
 */
public final class LearnedRouterTraining {

    /**
     * How to train.
     *
     * @param steps       optimizer steps
     * @param batchSize   examples per step
     * @param lr          peak learning rate
     * @param weightDecay decoupled weight decay on the matrices
     * @param seed        draws of the minibatches
     */
    public record Settings(int steps, int batchSize, double lr, double weightDecay, long seed) {
        public Settings {
            if (steps < 1 || batchSize < 1 || !(lr > 0) || weightDecay < 0) {
                throw new IllegalArgumentException("router training needs steps >= 1, batch >= 1, lr > 0, weight decay >= 0");
            }
        }

        OptimizerConfig optimizer() {
            return new OptimizerConfig(lr, lr / 10, Math.min(10, steps / 10), weightDecay, Optional.of(1.0), 0.9, 0.999,
                    1e-8);
        }
    }

    /**
     * The loss curve: the mean cross-entropy of every step's minibatch, before that step's update.
     */
    public record Result(double[] losses) {
        public double first() {
            return losses[0];
        }

        /** Mean of the last tenth of the steps (at least one). */
        public double last() {
            int n = Math.max(1, losses.length / 10);
            double s = 0;
            for (int i = losses.length - n; i < losses.length; i++) {
                s += losses[i];
            }
            return s / n;
        }
    }

    private LearnedRouterTraining() {
    }

    /** Trains {@code router} in place on {@code prefixes[i]} → {@code labels[i]}. */
    public static Result train(LearnedRouter router, List<int[]> prefixes, int[] labels, Settings settings) {
        if (prefixes.isEmpty() || prefixes.size() != labels.length) {
            throw new IllegalArgumentException("router training needs labelled prefixes, got " + prefixes.size()
                    + " prefixes and " + labels.length + " labels");
        }
        AdamW adam = new AdamW(router.parameters(), settings.optimizer(), settings.steps());
        SplittableRandom random = new SplittableRandom(settings.seed());
        double[] losses = new double[settings.steps()];
        int batch = Math.min(settings.batchSize(), labels.length);
        for (int step = 0; step < settings.steps(); step++) {
            List<int[]> x = new ArrayList<>(batch);
            int[] y = new int[batch];
            for (int b = 0; b < batch; b++) {
                int i = random.nextInt(labels.length);
                x.add(prefixes.get(i));
                y[b] = labels[i];
            }
            router.parameters().zeroGradients();
            losses[step] = router.loss(x, y, true);
            adam.step();
        }
        return new Result(losses);
    }
}
