package io.sparkmoe.model;

/** Cross-entropy of one row of logits: {@code lse(z) − z_target}; its gradient is {@code softmax(z) − onehot(target)}. */
final class CrossEntropy {

    private CrossEntropy() {
    }

    /** Returns the row's loss and adds {@code scale·(softmax − onehot)} to {@code gradient} at the same offset. */
    static double addGradient(double[] logits, int offset, int vocab, int target, double scale, double[] gradient) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        for (int v = 0; v < vocab; v++) {
            gradient[offset + v] += scale * Math.exp(logits[offset + v] - max) / sum;
        }
        gradient[offset + target] -= scale;
        return max + Math.log(sum) - logits[offset + target];
    }
}
