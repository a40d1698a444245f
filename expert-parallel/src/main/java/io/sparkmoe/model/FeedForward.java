package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The second half of a decoder block: a dense SwiGLU or a MoE layer. */
public interface FeedForward {

    /**
     * @param x       [N, d]
     * @param ids     token ids of the N rows (the hash router reads them)
     * @param padding true for padding rows (not routed), or null
     */
    INDArray forward(INDArray x, int[] ids, boolean[] padding);

    /** dL/d(output) → dL/dx; accumulates the parameter gradients (and the auxiliary losses' gradients). */
    INDArray backward(INDArray dy);

    /** The auxiliary losses of the last forward (weighted; 0 for dense layers). */
    default double auxLoss() {
        return 0;
    }
}
