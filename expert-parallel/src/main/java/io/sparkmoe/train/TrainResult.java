package io.sparkmoe.train;

import java.util.List;

/**
 * What a training run produced, for the command's summary and for tests.
 *
 * @param losses      cross-entropy of every step's training batch, step 1 first
 * @param evaluations every validation, in step order
 * @param tokens      training tokens processed
 * @param seconds     wall-clock seconds of the loop
 */
public record TrainResult(double[] losses, List<Evaluation> evaluations, long tokens, double seconds) {

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
