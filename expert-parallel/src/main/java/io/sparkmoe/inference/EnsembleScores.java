package io.sparkmoe.inference;

import java.util.List;

import io.sparkmoe.model.MoeTransformer;

/**
 * The next-token scores of an ensemble of decentralized experts for {@link TextGenerator}: the log of the mixture
 * {@code p(y) = Σ_j w_j p_j(y)} of the experts' probabilities, with weights fixed once per sequence (the router
 * reads the prompt's prefix, as in evaluation). The sampler's softmax of these log-probabilities gives back the
 * mixture itself, and with one expert of weight 1 they differ from its logits by a constant, so greedy decoding,
 * temperature, top-k and top-p all behave as for that expert alone. Experts with weight 0 are not run.
 */
public final class EnsembleScores implements TextGenerator.NextTokenScores {

    private final List<MoeTransformer> experts;
    private final int vocab;
    private final double[] weights;

    /** {@code weights}: one per expert, summing to 1 (already cut to the mode's top-k). */
    public EnsembleScores(List<MoeTransformer> experts, int vocab, double[] weights) {
        if (experts.size() != weights.length || experts.isEmpty()) {
            throw new IllegalArgumentException(experts.size() + " experts but " + weights.length + " weights");
        }
        this.experts = experts;
        this.vocab = vocab;
        this.weights = weights.clone();
    }

    /** The mixture's next-token probabilities after {@code window} (a distribution: they sum to 1). */
    public double[] probabilities(int[] window) {
        double[][] logits = new double[experts.size()][];
        for (int j = 0; j < logits.length; j++) {
            logits[j] = weights[j] == 0 ? new double[vocab] : Logits.of(experts.get(j), vocab, window)[window.length - 1];
        }
        return ExpertMixture.probabilities(logits, weights);
    }

    @Override
    public double[] after(int[] window) {
        double[] p = probabilities(window);
        double[] logP = new double[p.length];
        for (int v = 0; v < p.length; v++) {
            logP[v] = Math.log(p[v]);
        }
        return logP;
    }
}
