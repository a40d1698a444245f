package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.scores.ScoreFunction;
import io.sparkmoe.routing.scores.Scores;

/**
 * BASE Layers (Lewis et al., "BASE Layers: Simplifying Training of Large, Sparse Models", arXiv 2103.16716):
 * in training, a balanced assignment of tokens to experts (each expert gets at most ⌈N/E⌉ tokens, every
 * token exactly one) that maximises Σ s_{t,e(t)}; at evaluation, top-1 of s. The paper solves the linear
 * assignment with an auction algorithm; MODEL.md allows a greedy-balanced approximation, used here
 * ({@link GreedyBalancedAssignment}). Weight σ(s_e), backward ∂g/∂s = σ(1 − σ).
 */
final class BaseRouter extends ScoreRouter {

    BaseRouter(RoutingConfig config, ScoreFunction scores) {
        super("base", config, scores);
    }

    @Override
    protected int nominalK() {
        return 1;
    }

    @Override
    protected Selection select(RoutingInput input, Scores scores, double[] probs, boolean[] routed) {
        int e = scores.experts();
        double[] s = scores.values();
        int[] ids = input.training() ? GreedyBalancedAssignment.assign(s, e, routed) : topK(input, s, e, 1, routed);
        double[] w = new double[ids.length];
        for (int t = 0; t < ids.length; t++) {
            w[t] = ids[t] >= 0 ? SigmoidRouter.sigmoid(s[t * e + ids[t]]) : 0;
        }
        return new Selection(1, ids, w);
    }

    @Override
    protected void gateBackward(RoutingDecision d, Scores scores, double[] dg, double[] ds) {
        int e = d.experts();
        for (int t = 0; t < d.tokens(); t++) {
            int j = d.expertId(t, 0);
            if (j >= 0) {
                double a = SigmoidRouter.sigmoid(scores.values()[t * e + j]);
                ds[t * e + j] += dg[t] * a * (1 - a);
            }
        }
    }
}
