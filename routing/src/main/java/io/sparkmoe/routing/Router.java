package io.sparkmoe.routing;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A router (MODEL.md, "Routers"): a pure function from hidden states (plus token ids and placement where
 * the router needs them) to a {@link RoutingDecision}, and its backward pass. A router holds only its
 * parameters; it never communicates, has no static state and does not know about Spark, so it is tested
 * on its own and gives the same decision for the same input and parameters.
 */
public interface Router {

    /** Short name, as in {@code routing.router}. */
    String name();

    /** Routed experts E. */
    int experts();

    /** Learned tensors and buffers, by name. */
    RouterParameters parameters();

    /** Routes one batch. */
    RoutingDecision route(RoutingInput input);

    /**
     * Backward of {@link #route}: given dL/d(weights) {@code [N, slots]} (the combine gives zero for dropped
     * pairs), returns dL/dx and dL/d(parameters), including the gradients of the configured auxiliary losses
     * (each with its configured weight) and of the router's own regulariser.
     */
    default RouterGradients backward(RoutingDecision decision, INDArray weightGradient) {
        return backward(decision, weightGradient, 1.0);
    }

    /**
     * As {@link #backward(RoutingDecision, INDArray)}, with the gradients of the auxiliary losses and of the
     * regulariser multiplied by {@code auxLossScale} (e.g. 1/micro-batches under gradient accumulation, or 0
     * to take the gate's gradient alone). The backward is linear in both parts.
     */
    RouterGradients backward(RoutingDecision decision, INDArray weightGradient, double auxLossScale);

    /**
     * Rules applied once per optimizer step with the step's decision: the sigmoid router's bias update and
     * the ReLU router's L1 weight update. Nothing for the others.
     */
    default void afterStep(RoutingDecision decision) {
    }
}
