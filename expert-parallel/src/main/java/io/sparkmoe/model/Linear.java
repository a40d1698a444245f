package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A bias-free linear map {@code y = x·Wᵀ} with W stored {@code [out, in]} as in the reference. Backward:
 * {@code dx = dy·W} and {@code dW = dyᵀ·x}; each is one GEMM with the transposes folded into the call.
 */
final class Linear {

    private Linear() {
    }

    static INDArray forward(INDArray x, INDArray w) {
        return Nd4j.gemm(x, w, false, true);
    }

    static INDArray inputGradient(INDArray dy, INDArray w) {
        return Nd4j.gemm(dy, w, false, false);
    }

    /** {@code dW += dyᵀ·x}, GEMM'd straight into the gradient buffer (beta = 1): no temporary, no extra add. */
    static void accumulateWeightGradient(Parameters p, String name, INDArray dy, INDArray x) {
        Nd4j.gemm(dy, x, p.gradient(name), true, false, 1.0, 1.0);
    }
}
