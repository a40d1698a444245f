package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.scores.ScoreFunction;
import io.sparkmoe.routing.scores.Scores;
import io.sparkmoe.routing.select.TopTokens;

/**
 * Expert Choice routing (Zhou et al., "Mixture-of-Experts with Expert Choice Routing", arXiv 2202.09368): the
 * experts choose: each expert takes its top {@code C = ⌈cf·N·k/E⌉} tokens of the batch by p = softmax(s)
 * (ties toward the earlier token), weight p_te. Every expert gets exactly min(C, N) tokens, so load is
 * perfectly balanced and nothing is dropped, while a token may get any number of experts (none included).
 * It looks at the whole batch, including later tokens of a decoder sequence: fit for training and analysis,
 * not for autoregressive evaluation, so an evaluation call logs a warning (once per router). Slots: E per
 * token, the chosen experts in increasing index.
 */
final class ExpertChoiceRouter extends ScoreRouter {

    private static final System.Logger LOG = System.getLogger(ExpertChoiceRouter.class.getName());

    private boolean warnedAtEvaluation;

    ExpertChoiceRouter(RoutingConfig config, ScoreFunction scores) {
        super("expert-choice", config, scores);
        if (!(config.capacity() instanceof Capacity.Factor)) {
            throw new IllegalArgumentException("expert-choice needs a numeric capacity factor");
        }
    }

    /** C = ⌈cf·N·k/E⌉, at most N. */
    static int tokensPerExpert(double factor, int routedTokens, int k, int experts) {
        return (int) Math.min(routedTokens, Math.ceil(factor * routedTokens * k / experts));
    }

    @Override
    protected Selection select(RoutingInput input, Scores scores, double[] probs, boolean[] routed) {
        if (!input.training() && !warnedAtEvaluation) {
            warnedAtEvaluation = true;
            LOG.log(System.Logger.Level.WARNING, "expert-choice routing at evaluation sees every token of the batch,"
                    + " later positions of a sequence included: scores are not those of autoregressive decoding");
        }
        int n = routed.length;
        int e = scores.experts();
        int[] candidates = new int[n];
        int m = 0;
        for (int t = 0; t < n; t++) {
            if (routed[t]) {
                candidates[m++] = t;
            }
        }
        int c = tokensPerExpert(((Capacity.Factor) config.capacity()).value(), m, config.topK(), e);
        boolean[] chosen = new boolean[n * e];
        double[] column = new double[n];
        int[] best = new int[c];
        TopTokens top = new TopTokens(c);
        for (int j = 0; j < e; j++) {
            for (int t = 0; t < n; t++) {
                column[t] = probs[t * e + j];
            }
            int got = top.select(column, candidates, m, c, best);
            for (int i = 0; i < got; i++) {
                chosen[best[i] * e + j] = true;
            }
        }
        Selection sel = Selection.empty(n, e);
        for (int t = 0; t < n; t++) {
            int slot = 0;
            for (int j = 0; j < e; j++) {
                if (chosen[t * e + j]) {
                    sel.ids()[t * e + slot] = j;
                    sel.weights()[t * e + slot++] = probs[t * e + j];
                }
            }
        }
        return sel;
    }

    @Override
    protected void gateBackward(RoutingDecision d, Scores scores, double[] dg, double[] ds) {
        probabilityGateBackward(d, dg, false, ds);
    }
}
