package io.sparkmoe.train;

import java.util.List;

/**
 * What a training run produced, for the command's summary and for tests.
 *
 * @param firstStep   the first step this run took (1, or the step after the checkpoint it resumed from)
 * @param losses      cross-entropy of every step's training batch, {@code firstStep} first
 * @param evaluations every validation, in step order
 * @param tokens      training tokens processed by this run
 * @param seconds     wall-clock seconds of the loop
 */
public record TrainResult(int firstStep, double[] losses, List<Evaluation> evaluations, long tokens, double seconds) {

    /**
     * One validation.
     *
     * @param step       the step after which it ran
     * @param loss       mean cross-entropy over the validation batches
     * @param perplexity {@code exp(loss)}
     */
    public record Evaluation(int step, double loss, double perplexity) {
    }

    public double firstLoss() {
        return losses[0];
    }

    public double lastLoss() {
        return losses[losses.length - 1];
    }

    /** The last validation (every run validates after its final step). */
    public Evaluation finalEvaluation() {
        return evaluations.get(evaluations.size() - 1);
    }
}
