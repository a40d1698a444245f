package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A bias-free linear map {@code y = x·Wᵀ} with W stored {@code [out, in]} as in the reference. Backward:
 * {@code dx = dy·W} and {@code dW = dyᵀ·x}; each is one GEMM with the transposes folded into the call. Outputs go
 * into preallocated column-major arrays where the caller reuses one ({@link ScratchArray}): ND4J's GEMM runs at its
 * full rate only into column-major results (see the stack notes).
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

    /** {@code x·Wᵀ} written into {@code out}'s reused column-major buffer. */
    static INDArray forward(INDArray x, INDArray w, ScratchArray out) {
        INDArray y = out.get(x.dataType(), x.rows(), w.rows());
        Gemm.gemm(x, w, y, false, true, 1.0, 0.0);
        return y;
    }

    /** {@code dy·W} written into {@code out}'s reused column-major buffer. */
    static INDArray inputGradient(INDArray dy, INDArray w, ScratchArray out) {
        INDArray dx = out.get(dy.dataType(), dy.rows(), w.columns());
        Gemm.gemm(dy, w, dx, false, false, 1.0, 0.0);
        return dx;
    }

    /** {@code dW += dyᵀ·x}, GEMM'd straight into the gradient buffer (beta = 1): no temporary, no extra add. */
    static void accumulateWeightGradient(Parameters p, String name, INDArray dy, INDArray x) {
        Gemm.gemm(dy, x, p.gradient(name), true, false, 1.0, 1.0);
    }
}
