package io.sparkmoe.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Cross-entropy of rows of logits, {@code lse(z) − z_target}, and its gradient {@code softmax(z) − onehot(target)}, on
 * the LM head's output where it lies: two whole-buffer ND4J ops ({@code log_softmax} into a reused buffer, then
 * {@code exp} in place) and one read and one write per row. The logits of a step are tens of millions of values:
 * reading them into Java, one {@code Math.exp} each and writing the gradient back cost more than the LM head's GEMMs.
 *
 * <p>The gradient is left unscaled (the caller folds the 1/count of a mean into the GEMMs that consume it, as their
 * alpha) and is zero in rows without a target.
 */
final class CrossEntropy {

    /** A target that is not counted (padding): no loss, a zero gradient row. */
    static final int IGNORED = -1;

    private final ScratchArray gradient = new ScratchArray('c');
    private INDArray last;

    /**
     * logits: row-major [N, V] (contiguous; a column-major logitsᵀ [V, N] transposed is one). Returns the sum of the
     * losses of the rows whose target is not {@link #IGNORED}, and leaves {@code softmax − onehot} of those rows in
     * {@link #gradient()}.
     */
    double lossAndGradient(INDArray logits, int[] targets) {
        int rows = (int) logits.rows();
        int vocab = (int) logits.columns();
        if (targets.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " targets, one per row of logits, got " + targets.length);
        }
        INDArray g = last = gradient.get(logits.dataType(), rows, vocab);
        Nd4j.exec((CustomOp) new LogSoftMax(logits, g));
        DataBuffer buffer = g.data();
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            if (targets[r] != IGNORED) {
                loss -= buffer.getDouble(index(r, vocab, targets[r]));
            }
        }
        Transforms.exp(g, false);
        for (int r = 0; r < rows; r++) {
            if (targets[r] == IGNORED) {
                g.getRow(r).assign(0);
            } else {
                long at = index(r, vocab, targets[r]);
                buffer.put(at, buffer.getDouble(at) - 1);
            }
        }
        return loss;
    }

    /** {@code softmax − onehot} [N, V] row-major of the last {@link #lossAndGradient} (overwritten by the next). */
    INDArray gradient() {
        if (last == null) {
            throw new IllegalStateException("no cross-entropy computed yet");
        }
        return last;
    }

    private static long index(int row, int vocab, int target) {
        if (target < 0 || target >= vocab) {
            throw new IllegalArgumentException("target " + target + " of row " + row + " is outside the vocabulary [0, "
                    + vocab + ")");
        }
        return (long) row * vocab + target;
    }
}
