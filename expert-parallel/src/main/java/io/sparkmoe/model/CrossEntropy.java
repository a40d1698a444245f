package io.sparkmoe.model;

/** Cross-entropy of one row of logits: {@code lse(z) − z_target}; its gradient is {@code softmax(z) − onehot(target)}. */
final class CrossEntropy {

    private CrossEntropy() {
    }

    /**
     * Returns the row's loss and writes {@code scale·(softmax − onehot)} into {@code gradient} at the same offset,
     * whose row must be zero on entry (one exp per logit: the row holds the exponentials before they are scaled).
     */
    static double addGradient(double[] logits, int offset, int vocab, int target, double scale, double[] gradient) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            double e = Math.exp(logits[offset + v] - max);
            gradient[offset + v] += e;          // the gradient row is zero on entry: hold exp here first
            sum += e;
        }
        double c = scale / sum;
        for (int v = 0; v < vocab; v++) {
            gradient[offset + v] *= c;
        }
        gradient[offset + target] -= scale;
        return max + Math.log(sum) - logits[offset + target];
    }
}
