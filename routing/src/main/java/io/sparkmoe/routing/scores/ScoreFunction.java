package io.sparkmoe.routing.scores;

import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Maps hidden states to router logits s [N, E] (MODEL.md: {@code s = x·Wrᵀ} unless the router says
 * otherwise), with its backward. Separate from selection so the same selection rules run on a linear gate
 * (GShard, Switch), a cosine gate (X-MoE) or LocMoE's fixed GrAP gate.
 */
public interface ScoreFunction {

    int experts();

    /** Registers this function's tensors. */
    void register(RouterParameters parameters);

    Scores forward(INDArray x);

    /** dL/dx and dL/d(own tensors), given dL/ds (row-major [N, E]). */
    RouterGradients backward(INDArray x, Scores scores, double[] scoreGradient);

    /**
     * Cosine between each token and each expert's gate vector, in the space where the gate compares them,
     * row-major [N, E] (LocMoE's angular deviation δ). Null when the gate has no vectors.
     */
    double[] gateCosines(INDArray x, Scores scores);

    /** Dimension of the space of {@link #gateCosines} (d, or the cosine router's r). */
    int gateDimension();
}
