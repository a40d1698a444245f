package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Cross-entropy of rows of logits, {@code lse(z) − z_target}, and its gradient {@code softmax(z) − onehot(target)},
 * computed in float64 one row at a time: each row of the LM head's output is copied into a reused Java array (which
 * stays in cache), shifted by its maximum, exponentiated once per logit, and its gradient row written straight into a
 * reused ND4J buffer. It is as fast as the same math over whole-step arrays was, without the two step-sized float64
 * arrays (134 MB on the {@code small} shape). ND4J's own ops measured slower on [2048, 4096] logits on this machine
 * ({@code log_softmax} about 3×, a row-max shift plus {@code softmax} about 5×), and its {@code softmax} alone does not
 * shift by the row maximum on every path (NaN for logits around −1000).
 *
 * <p>The gradient is left unscaled (the caller folds the 1/count of a mean into the GEMMs that consume it, as their
 * alpha) and is zero in rows without a target.
 */
final class CrossEntropy {

    /** A target that is not counted (padding): no loss, a zero gradient row. */
    static final int IGNORED = -1;

    private final ScratchArray gradient = new ScratchArray('c');
    private final Buffers buffers = new Buffers();
    private INDArray last;
    private double[] row = new double[0];

    /**
     * logits: row-major [N, V] (a column-major logitsᵀ [V, N] transposed is one; other layouts are copied first).
     * Returns the sum of the losses of the rows whose target is not {@link #IGNORED}, and leaves
     * {@code softmax − onehot} of those rows in {@link #gradient()}.
     */
    double lossAndGradient(INDArray logits, int[] targets) {
        int rows = (int) logits.rows();
        int vocab = (int) logits.columns();
        if (targets.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " targets, one per row of logits, got " + targets.length);
        }
        INDArray z = Buffers.direct(logits) ? logits : logits.dup('c');
        INDArray g = last = gradient.get(logits.dataType(), rows, vocab);
        double[] values = row = Buffers.ensure(row, vocab);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int from = r * vocab;
            if (targets[r] == IGNORED) {
                java.util.Arrays.fill(values, 0, vocab, 0.0);
                buffers.writeRange(values, g, from, vocab);
                continue;
            }
            int target = checked(r, vocab, targets[r]);
            buffers.readRange(z, from, values, vocab);
            loss += softmaxMinusOneHot(values, vocab, target);
            buffers.writeRange(values, g, from, vocab);
        }
        return loss;
    }

    /** {@code softmax − onehot} of the last {@link #lossAndGradient}, [N, V] row-major (overwritten by the next). */
    INDArray gradient() {
        if (last == null) {
            throw new IllegalStateException("no cross-entropy computed yet");
        }
        return last;
    }

    /** Overwrites one row of logits with {@code softmax − onehot} and returns its loss {@code lse − z_target}. */
    private static double softmaxMinusOneHot(double[] z, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, z[v]);
        }
        double loss = max - z[target];
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            double e = Math.exp(z[v] - max);
            z[v] = e;
            sum += e;
        }
        double c = 1 / sum;
        for (int v = 0; v < vocab; v++) {
            z[v] *= c;
        }
        z[target] -= 1;
        return loss + Math.log(sum);
    }

    private static int checked(int row, int vocab, int target) {
        if (target < 0 || target >= vocab) {
            throw new IllegalArgumentException("target " + target + " of row " + row + " is outside the vocabulary [0, "
                    + vocab + ")");
        }
        return target;
    }
}
