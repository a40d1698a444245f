package io.sparkmoe.model;

import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The MoE layer written the slow, obvious way, as a yardstick for {@link MoeLayer}: for every token and every
 * slot, if the pair is kept, run the expert on that one token and add {@code g·y}; backward likewise per pair
 * ({@code dL/dg = dy_t·y}, the expert gets {@code g·dy_t}). Same routing, same shared experts.
 */
public final class ReferenceMoeLayer extends AbstractMoeLayer {

    private SwiGlu[] pairExperts;
    private double[][] pairOutputs;

    public ReferenceMoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate) {
        super(params, prefix, router, sharedExperts, sharedGate, new StepClock());
    }

    @Override
    protected void combineExperts(double[] out) {
        RoutingDecision dec = decision;
        int d = x.columns();
        int pairs = dec.tokens() * dec.slots();
        pairExperts = new SwiGlu[pairs];
        pairOutputs = new double[pairs][];
        for (int t = 0; t < dec.tokens(); t++) {
            for (int s = 0; s < dec.slots(); s++) {
                int p = t * dec.slots() + s;
                if (!dec.isKept(t, s) || dec.expertId(t, s) < 0) {
                    continue;
                }
                pairExperts[p] = expert(dec.expertId(t, s));
                pairOutputs[p] = Arrays2.toDoubles(pairExperts[p].forward(x.getRows(t)));
                for (int j = 0; j < d; j++) {
                    out[t * d + j] += dec.weight(t, s) * pairOutputs[p][j];
                }
            }
        }
    }

    @Override
    protected void backwardExperts(double[] dy, double[] weightGradient, double[] dx) {
        RoutingDecision dec = decision;
        int d = x.columns();
        for (int p = 0; p < pairExperts.length; p++) {
            if (pairExperts[p] == null) {
                continue;
            }
            int t = p / dec.slots();
            double[] dyt = new double[d];
            for (int j = 0; j < d; j++) {
                weightGradient[p] += dy[t * d + j] * pairOutputs[p][j];
                dyt[j] = dec.weights()[p] * dy[t * d + j];
            }
            double[] dxt = Arrays2.toDoubles(pairExperts[p].backward(Arrays2.matrix(dyt, 1, d, x.dataType())));
            for (int j = 0; j < d; j++) {
                dx[t * d + j] += dxt[j];
            }
        }
    }
}
