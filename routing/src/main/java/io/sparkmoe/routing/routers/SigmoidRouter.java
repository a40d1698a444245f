package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.scores.ScoreFunction;
import io.sparkmoe.routing.scores.Scores;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DeepSeek-V3's auxiliary-loss-free router (DeepSeek-AI, arXiv 2412.19437, section 2.1.2): a = σ(s); the
 * selection uses a + b, with b a per-expert bias that is not learned but nudged after each step,
 * {@code b_e += γ·sign(mean_load − load_e)} (loads counted before capacity drops), so over-used experts
 * become less attractive without a loss term that fights the language-model objective. The bias affects
 * the selection only; weights are {@code g_j = scale · a_j / (Σ_{S_t} a + 1e-20)} (the 1e-20, as in
 * DeepSeek-V3's code, keeps all-zero gates at extreme logits from dividing 0 by 0).
 *
 * <p>Backward: with S = Σ_{S_t} a + 1e-20, ∂L/∂a_m = (scale/S)·(∂L/∂g_m − Σ_j ∂L/∂g_j·a_j/S), then
 * ∂a/∂s = a(1 − a).
 */
final class SigmoidRouter extends ScoreRouter {

    static final String BIAS = "gate.e_score_correction_bias";
    private static final double TINY = 1e-20;

    private final INDArray bias;
    private final double scale;
    private final double rate;

    SigmoidRouter(RoutingConfig config, ScoreFunction scores, DataType type) {
        super("sigmoid", config, scores);
        this.bias = Nd4j.zeros(type, scores.experts());
        this.scale = config.sigmoid().scale();
        this.rate = config.sigmoid().biasRate();
        parameters.buffer(BIAS, bias);
    }

    static double sigmoid(double s) {
        if (s >= 0) {
            return 1 / (1 + Math.exp(-s));
        }
        double z = Math.exp(s);
        return z / (1 + z);
    }

    @Override
    protected Selection select(RoutingInput input, Scores scores, double[] probs, boolean[] routed) {
        int e = scores.experts();
        int k = config.topK();
        double[] s = scores.values();
        double[] b = bias.toDoubleVector();
        double[] biased = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            biased[i] = sigmoid(s[i]) + b[i % e];
        }
        int[] ids = topK(input, biased, e, k, routed);
        double[] w = new double[ids.length];
        for (int t = 0; t < routed.length; t++) {
            double sum = TINY;
            for (int j = 0; j < k; j++) {
                int x = ids[t * k + j];
                sum += x >= 0 ? sigmoid(s[t * e + x]) : 0;
            }
            for (int j = 0; j < k; j++) {
                int x = ids[t * k + j];
                w[t * k + j] = x >= 0 ? scale * sigmoid(s[t * e + x]) / sum : 0;
            }
        }
        return new Selection(k, ids, w);
    }

    @Override
    protected void gateBackward(RoutingDecision d, Scores scores, double[] dg, double[] ds) {
        int e = d.experts();
        int k = d.slots();
        double[] s = scores.values();
        for (int t = 0; t < d.tokens(); t++) {
            double sum = TINY;
            double dot = 0;
            for (int j = 0; j < k; j++) {
                int x = d.expertId(t, j);
                if (x >= 0) {
                    double a = sigmoid(s[t * e + x]);
                    sum += a;
                    dot += dg[t * k + j] * a;
                }
            }
            for (int j = 0; j < k; j++) {
                int x = d.expertId(t, j);
                if (x >= 0) {
                    double a = sigmoid(s[t * e + x]);
                    double da = scale / sum * (dg[t * k + j] - dot / sum);
                    ds[t * e + x] += da * a * (1 - a);
                }
            }
        }
    }

    /** The bias update: b_e += γ·sign(mean_load − load_e). */
    @Override
    public void afterStep(RoutingDecision decision) {
        int[] load = decision.load();
        double mean = 0;
        for (int l : load) {
            mean += l;
        }
        mean /= load.length;
        for (int e = 0; e < load.length; e++) {
            bias.putScalar(e, bias.getDouble(e) + rate * Math.signum(mean - load[e]));
        }
    }
}
