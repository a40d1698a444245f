package io.sparkmoe.model;

import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The MoE layer as it should run: kept (token, expert) pairs are grouped per expert (in token order), each expert
 * runs once on its gathered rows (one GEMM per expert and weight), and its outputs are scattered back scaled by
 * g. Backward mirrors it: dL/dg_te = dy_t·y_te, the expert gets g_te·dy_t for its rows, and its dL/dx rows are
 * added back to their tokens. {@link ReferenceMoeLayer} is the per-token version this is tested against.
 */
public final class MoeLayer extends AbstractMoeLayer {

    private final SwiGlu[] experts;
    private int[][] pairs;
    private double[][] outputs;

    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate) {
        this(params, prefix, router, sharedExperts, sharedGate, new StepClock());
    }

    /** clock: where routing, dispatch, experts and combine add their time. */
    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate,
                    StepClock clock) {
        super(params, prefix, router, sharedExperts, sharedGate, clock);
        experts = new SwiGlu[router.experts()];
        for (int e = 0; e < experts.length; e++) {
            experts[e] = expert(e);
        }
    }

    @Override
    protected void combineExperts(double[] out) {
        RoutingDecision dec = decision;
        int d = x.columns();
        long t0 = System.nanoTime();
        pairs = PairGroups.byExpert(dec);
        outputs = new double[experts.length][];
        t0 = clock.lap(StepClock.DISPATCH, t0);
        for (int e = 0; e < experts.length; e++) {
            if (pairs[e].length == 0) {
                continue;
            }
            INDArray rows = x.getRows(PairGroups.tokens(pairs[e], dec.slots()));
            t0 = clock.lap(StepClock.DISPATCH, t0);
            outputs[e] = Arrays2.toDoubles(experts[e].forward(rows));
            t0 = clock.lap(StepClock.EXPERTS, t0);
            for (int r = 0; r < pairs[e].length; r++) {
                int t = pairs[e][r] / dec.slots();
                double g = dec.weights()[pairs[e][r]];
                for (int j = 0; j < d; j++) {
                    out[t * d + j] += g * outputs[e][r * d + j];
                }
            }
            t0 = clock.lap(StepClock.COMBINE, t0);
        }
    }

    @Override
    protected void backwardExperts(double[] dy, double[] weightGradient, double[] dx) {
        RoutingDecision dec = decision;
        int d = x.columns();
        long t0 = System.nanoTime();
        for (int e = 0; e < experts.length; e++) {
            int rows = pairs[e].length;
            if (rows == 0) {
                continue;
            }
            double[] dye = new double[rows * d];
            for (int r = 0; r < rows; r++) {
                int t = pairs[e][r] / dec.slots();
                double g = dec.weights()[pairs[e][r]];
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += dy[t * d + j] * outputs[e][r * d + j];
                    dye[r * d + j] = g * dy[t * d + j];
                }
                weightGradient[pairs[e][r]] = dot;
            }
            INDArray dyRows = Arrays2.matrix(dye, rows, d, x.dataType());
            t0 = clock.lap(StepClock.DISPATCH, t0);
            INDArray dxe = experts[e].backward(dyRows);
            t0 = clock.lap(StepClock.EXPERTS, t0);
            double[] dxv = Arrays2.toDoubles(dxe);
            for (int r = 0; r < rows; r++) {
                int t = pairs[e][r] / dec.slots();
                for (int j = 0; j < d; j++) {
                    dx[t * d + j] += dxv[r * d + j];
                }
            }
            t0 = clock.lap(StepClock.COMBINE, t0);
        }
    }
}
