package io.sparkmoe.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Cross-entropy of rows of logits, {@code lse(z) − z_target}, and its gradient {@code softmax(z) − onehot(target)},
 * computed in float64 a block of rows at a time: each block of the LM head's output is copied into a reused array
 * (which stays in cache), each row shifted by its maximum, exponentiated once per logit, and the gradient rows written straight into a
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
    /** Per thread of {@link ParallelLoops}: its block of logits and its NIO copies. */
    private final ThreadLocal<Block> blocks = ThreadLocal.withInitial(Block::new);
    private INDArray last;
    /** Values per block of rows copied at once: few NIO views (a JNI call each), still in cache. */
    private static final int BLOCK = 1 << 15;
    private double[] blockLosses = new double[0];

    /**
     * logits: row-major [N, V] (a column-major logitsᵀ [V, N] transposed is one; other layouts are copied first).
     * Returns the sum of the losses of the rows whose target is not {@link #IGNORED}, and leaves
     * {@code softmax − onehot} of those rows in {@link #gradient()}. Blocks of rows run in parallel
     * ({@link ParallelLoops}); their losses are summed in block order, so the result does not depend on the threads.
     */
    double lossAndGradient(INDArray logits, int[] targets) {
        int rows = (int) logits.rows();
        int vocab = (int) logits.columns();
        if (targets.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " targets, one per row of logits, got " + targets.length);
        }
        for (int r = 0; r < rows; r++) {
            if (targets[r] != IGNORED) {
                checked(r, vocab, targets[r]);
            }
        }
        INDArray z = Buffers.direct(logits) ? logits : logits.dup('c');
        INDArray g = last = gradient.get(logits.dataType(), rows, vocab);
        int blockRows = Math.max(1, BLOCK / vocab);
        int count = (rows + blockRows - 1) / blockRows;
        double[] losses = blockLosses = blockLosses.length >= count ? blockLosses : new double[count];
        ParallelLoops.forEach(count, b -> losses[b] = blocks.get().run(z, g, targets, b * blockRows,
                Math.min(blockRows, rows - b * blockRows), vocab));
        double loss = 0;
        for (int b = 0; b < count; b++) {
            loss += losses[b];
        }
        return loss;
    }

    /** One thread's reused block of logits. */
    private static final class Block {
        private final Buffers buffers = new Buffers();
        private double[] values = new double[0];

        /** Rows [r0, r0 + count): logits of z → gradient rows of g; returns the sum of their losses. */
        double run(INDArray z, INDArray g, int[] targets, int r0, int count, int vocab) {
            values = Buffers.ensure(values, count * vocab);
            buffers.readRange(z, r0 * vocab, values, count * vocab);
            double loss = 0;
            for (int i = 0; i < count; i++) {
                int target = targets[r0 + i];
                if (target == IGNORED) {
                    java.util.Arrays.fill(values, i * vocab, (i + 1) * vocab, 0.0);
                } else {
                    loss += softmaxMinusOneHot(values, i * vocab, vocab, target);
                }
            }
            buffers.writeRange(values, g, r0 * vocab, count * vocab);
            return loss;
        }
    }

    /** {@code softmax − onehot} of the last {@link #lossAndGradient}, [N, V] row-major (overwritten by the next). */
    INDArray gradient() {
        if (last == null) {
            throw new IllegalStateException("no cross-entropy computed yet");
        }
        return last;
    }

    /**
     * Overwrites one row of logits, {@code z[at, at + vocab)}, with {@code softmax − onehot} and returns its loss
     * {@code lse − z_target}.
     */
    private static double softmaxMinusOneHot(double[] z, int at, int vocab, int target) {
        int end = at + vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = at; v < end; v++) {
            max = Math.max(max, z[v]);
        }
        double loss = max - z[at + target];
        double sum = 0;
        for (int v = at; v < end; v++) {
            double e = Math.exp(z[v] - max);
            z[v] = e;
            sum += e;
        }
        double c = 1 / sum;
        for (int v = at; v < end; v++) {
            z[v] *= c;
        }
        z[at + target] -= 1;
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
