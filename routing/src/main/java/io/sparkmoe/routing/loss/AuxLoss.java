package io.sparkmoe.routing.loss;

/** An auxiliary routing loss: its weighted value and its gradient with respect to the logits s. */
public interface AuxLoss {

    /** Weighted value. */
    double value(LossInputs in);

    /** Adds d(weighted value)/ds to {@code scoreGradient} (row-major [N, E]). */
    void addScoreGradient(LossInputs in, double[] scoreGradient);
}
