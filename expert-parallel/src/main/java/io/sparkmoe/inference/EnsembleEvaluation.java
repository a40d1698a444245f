package io.sparkmoe.inference;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sparkmoe.model.MoeTransformer;

/**
 * Held-out evaluation of decentralized experts (c-BTM): on every cluster's validation windows, the cross-entropy of
 * each expert alone (the expert × cluster matrix) and of the router-weighted mixtures {@code top-1}, {@code top-2}
 * and {@code all}, and how often the router's first choice is the window's own cluster. The router reads the first
 * {@code prefix} tokens of a window; every loss counts only the tokens after them, so all figures are comparable.
 */
public final class EnsembleEvaluation {

    /** The combination modes: how many of the router's experts are kept (renormalised); {@code all} keeps every one. */
    public static final Map<String, Integer> MODES = modes();

    /** Router: the prefix tokens of a window → a weight per expert, summing to 1. */
    public interface SequenceRouter {
        double[] weights(int[] prefix);
    }

    /**
     * What was measured.
     *
     * @param expertLoss  {@code [expert][cluster]} mean cross-entropy (nats) of each expert on each cluster
     * @param tokens      {@code [cluster]} targets counted per cluster
     * @param modeLoss    mode → mean cross-entropy over all clusters' targets
     * @param correct     windows whose router's largest weight is their own cluster's expert
     * @param sequences   windows evaluated
     */
    public record Result(double[][] expertLoss, long[] tokens, Map<String, Double> modeLoss, int correct,
                         int sequences) {
        public double accuracy() {
            return correct / (double) sequences;
        }
    }

    private EnsembleEvaluation() {
    }

    private static Map<String, Integer> modes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("top-1", 1);
        m.put("top-2", 2);
        m.put("all", Integer.MAX_VALUE);
        return m;
    }

    /**
     * Evaluates {@code experts} on {@code clusters.get(c)}, the validation shards of cluster {@code c}, cut into
     * consecutive windows of {@code seqLen + 1} tokens (at most {@code maxWindows} per cluster, 0 = all).
     */
    public static Result run(List<MoeTransformer> experts, List<List<int[]>> clusters, int seqLen, int prefix,
                             SequenceRouter router, int batchSize, int maxWindows) {
        if (prefix < 1 || prefix >= seqLen) {
            throw new IllegalArgumentException("router.prefix-tokens (" + prefix + ") must be between 1 and seq_len - 1 ("
                    + (seqLen - 1) + ")");
        }
        int k = experts.size();
        double[][] expertSum = new double[k][clusters.size()];
        long[] tokens = new long[clusters.size()];
        Map<String, Double> modeSum = new LinkedHashMap<>();
        MODES.keySet().forEach(m -> modeSum.put(m, 0.0));
        int correct = 0;
        int sequences = 0;
        for (int c = 0; c < clusters.size(); c++) {
            List<int[]> windows = HeldOutEvaluation.windows(clusters.get(c), seqLen, maxWindows);
            for (int from = 0; from < windows.size(); from += batchSize) {
                List<int[]> batch = windows.subList(from, Math.min(windows.size(), from + batchSize));
                double[][][] logP = targetLogProbabilities(experts, batch, seqLen, prefix);
                for (int b = 0; b < batch.size(); b++) {
                    double[] w = router.weights(java.util.Arrays.copyOf(batch.get(b), prefix));
                    correct += argmax(w) == c ? 1 : 0;
                    sequences++;
                    for (Map.Entry<String, Integer> mode : MODES.entrySet()) {
                        double[] kept = topK(w, mode.getValue());
                        double sum = 0;
                        for (double[] perExpert : logP[b]) {
                            sum -= ExpertMixture.logProbability(perExpert, kept);
                        }
                        modeSum.merge(mode.getKey(), sum, Double::sum);
                    }
                    for (double[] perExpert : logP[b]) {
                        for (int j = 0; j < k; j++) {
                            expertSum[j][c] -= perExpert[j];
                        }
                    }
                    tokens[c] += logP[b].length;
                }
            }
        }
        long all = 0;
        for (int c = 0; c < tokens.length; c++) {
            all += tokens[c];
            for (int j = 0; j < k; j++) {
                expertSum[j][c] /= tokens[c];
            }
        }
        long total = all;
        Map<String, Double> modeLoss = new LinkedHashMap<>();
        modeSum.forEach((m, s) -> modeLoss.put(m, s / total));
        return new Result(expertSum, tokens, modeLoss, correct, sequences);
    }

    /**
     * {@code [window][target][expert]} log-probability each expert gives each target after the prefix
     * (targets {@code prefix … seqLen} of the window).
     */
    static double[][][] targetLogProbabilities(List<MoeTransformer> experts, List<int[]> batch, int seqLen, int prefix) {
        int[][] inputs = new int[batch.size()][];
        for (int b = 0; b < inputs.length; b++) {
            inputs[b] = java.util.Arrays.copyOf(batch.get(b), seqLen);
        }
        int targets = seqLen - prefix + 1;
        double[][][] out = new double[batch.size()][targets][experts.size()];
        for (int j = 0; j < experts.size(); j++) {
            double[][] logits = experts.get(j).forward(inputs).toDoubleMatrix();
            for (int b = 0; b < inputs.length; b++) {
                for (int t = prefix - 1; t < seqLen; t++) {
                    out[b][t - prefix + 1][j] = ExpertMixture.logProbability(logits[b * seqLen + t], batch.get(b)[t + 1]);
                }
            }
        }
        return out;
    }

    /**
     * The {@code k} largest weights renormalised to sum to 1, the others zero (ties: the lower index);
     * {@code k} ≥ the number of experts keeps them all.
     */
    public static double[] topK(double[] weights, int k) {
        boolean[] kept = new boolean[weights.length];
        double sum = 0;
        for (int n = 0; n < Math.min(k, weights.length); n++) {
            int best = -1;
            for (int j = 0; j < weights.length; j++) {
                if (!kept[j] && (best < 0 || weights[j] > weights[best])) {
                    best = j;
                }
            }
            kept[best] = true;
            sum += weights[best];
        }
        double[] out = new double[weights.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = kept[j] ? weights[j] / sum : 0;
        }
        return out;
    }

    /** The index of the largest weight (the lower index on ties). */
    public static int argmax(double[] weights) {
        int best = 0;
        for (int j = 1; j < weights.length; j++) {
            if (weights[j] > weights[best]) {
                best = j;
            }
        }
        return best;
    }
}
