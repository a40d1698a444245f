package io.sparkmoe.routing.routers;

import java.util.OptionalDouble;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.scores.ScoreFunction;
import io.sparkmoe.routing.scores.Scores;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ReMoE's ReLU router (Wang et al., "ReMoE: Fully Differentiable Mixture-of-Experts with ReLU Routing",
 * arXiv 2412.14711): g_te = ReLU(s_te), every expert with g > 0 is used, so the gate is differentiable
 * everywhere except at 0 and the number of experts per token varies. Sparsity is steered by an L1 term
 * {@code λ·mean_t Σ_e ReLU(s_te)} (gradient λ/N on positive logits) whose weight adapts after each step,
 * {@code λ ← λ·α^{sign(target − sparsity)}}, sparsity = share of zero gates, target 1 − k/E unless configured.
 * Slots: E per token, the used experts first, by gate descending (ties toward the lower index), so
 * position-priority dropping drops the weakest pairs of a token last-slot first.
 */
final class ReluRouter extends ScoreRouter {

    static final String L1_WEIGHT = "gate.l1_lambda";

    private final INDArray lambda;
    private final double alpha;
    private final double target;

    ReluRouter(RoutingConfig config, ScoreFunction scores) {
        super("relu", config, scores);
        int e = scores.experts();
        this.lambda = Nd4j.scalar(DataType.DOUBLE, config.relu().l1Init());
        this.alpha = config.relu().l1Alpha();
        this.target = config.relu().targetSparsity().orElse(1.0 - config.topK() / (double) e);
        parameters.buffer(L1_WEIGHT, lambda);
    }

    /** Current λ. */
    double lambda() {
        return lambda.getDouble(0);
    }

    @Override
    protected Selection select(RoutingInput input, Scores scores, double[] probs, boolean[] routed) {
        int e = scores.experts();
        double[] s = scores.values();
        Selection sel = Selection.empty(routed.length, e);
        for (int t = 0; t < routed.length; t++) {
            if (!routed[t]) {
                continue;
            }
            int used = 0;
            for (int j = 0; j < e; j++) {
                double v = s[t * e + j];
                if (v > 0) {
                    int pos = t * e + used++;
                    while (pos > t * e && sel.weights()[pos - 1] < v) {
                        sel.ids()[pos] = sel.ids()[pos - 1];
                        sel.weights()[pos] = sel.weights()[pos - 1];
                        pos--;
                    }
                    sel.ids()[pos] = j;
                    sel.weights()[pos] = v;
                }
            }
        }
        return sel;
    }

    @Override
    protected void gateBackward(RoutingDecision d, Scores scores, double[] dg, double[] ds) {
        int e = d.experts();
        for (int t = 0; t < d.tokens(); t++) {
            for (int j = 0; j < e; j++) {
                int x = d.expertId(t, j);
                if (x >= 0) {
                    ds[t * e + x] += dg[t * e + j];
                }
            }
        }
    }

    @Override
    protected OptionalDouble regulariser(Scores scores, boolean[] routed) {
        int e = scores.experts();
        double sum = 0;
        int n = 0;
        for (int t = 0; t < routed.length; t++) {
            if (routed[t]) {
                n++;
                for (int j = 0; j < e; j++) {
                    sum += Math.max(0, scores.values()[t * e + j]);
                }
            }
        }
        return OptionalDouble.of(n == 0 ? 0 : lambda() * sum / n);
    }

    @Override
    protected void addRegulariserGradient(Scores scores, boolean[] routed, double[] ds) {
        int e = scores.experts();
        int n = 0;
        for (boolean r : routed) {
            n += r ? 1 : 0;
        }
        for (int t = 0; t < routed.length; t++) {
            for (int j = 0; routed[t] && j < e; j++) {
                if (scores.values()[t * e + j] > 0) {
                    ds[t * e + j] += lambda() / n;
                }
            }
        }
    }

    /** Sparsity: share of zero gates over the routed tokens' N·E gates. */
    static double sparsity(RoutingDecision d, boolean[] routed) {
        long used = 0;
        for (int id : d.expertIds()) {
            used += id >= 0 ? 1 : 0;
        }
        int n = 0;
        for (boolean r : routed) {
            n += r ? 1 : 0;
        }
        return n == 0 ? 0 : 1.0 - used / ((double) n * d.experts());
    }

    /** λ ← λ·α^{sign(target − sparsity)}. */
    @Override
    public void afterStep(RoutingDecision decision) {
        double sign = Math.signum(target - sparsity(decision, routedMask(decision)));
        lambda.putScalar(0, lambda() * Math.pow(alpha, sign));
    }
}
