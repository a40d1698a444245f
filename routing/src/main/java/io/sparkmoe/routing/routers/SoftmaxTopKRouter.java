package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.scores.ScoreFunction;
import io.sparkmoe.routing.scores.Scores;

/**
 * Top-k of p = softmax(s), weights p_e or, with {@code normalize}, p_e / Σ_{S_t} p. Serves four rows of
 * MODEL.md's table, which differ only in the score function and k:
 * {@code topk} (GShard, Lepikhin et al., arXiv 2006.16668; Mixtral with normalize, arXiv 2401.04088),
 * {@code switch} (k = 1, Fedus et al., arXiv 2101.03961), {@code cosine} (X-MoE's cosine scores, Chi et al.,
 * arXiv 2204.09179) and {@code grap} (k = 1 on LocMoE's GrAP scores, arXiv 2401.13920).
 */
final class SoftmaxTopKRouter extends ScoreRouter {

    private final int k;
    private final boolean normalize;

    SoftmaxTopKRouter(String name, RoutingConfig config, ScoreFunction scores, int k, boolean normalize) {
        super(name, config, scores);
        this.k = k;
        this.normalize = normalize;
    }

    @Override
    protected int nominalK() {
        return k;
    }

    @Override
    protected Selection select(RoutingInput input, Scores scores, double[] probs, boolean[] routed) {
        int e = scores.experts();
        int[] ids = topK(input, probs, e, k, routed);
        double[] w = new double[ids.length];
        for (int t = 0; t < routed.length; t++) {
            double sum = 0;
            for (int s = 0; s < k; s++) {
                int j = ids[t * k + s];
                w[t * k + s] = j >= 0 ? probs[t * e + j] : 0;
                sum += w[t * k + s];
            }
            if (normalize && sum > 0) {
                for (int s = 0; s < k; s++) {
                    w[t * k + s] /= sum;
                }
            }
        }
        return new Selection(k, ids, w);
    }

    @Override
    protected void gateBackward(RoutingDecision d, Scores scores, double[] dg, double[] ds) {
        probabilityGateBackward(d, dg, normalize, ds);
    }
}
