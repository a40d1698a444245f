package io.sparkmoe.model;

import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The MoE layer as it should run: kept (token, expert) pairs are grouped per expert (in token order), each expert
 * runs once on its gathered rows (one GEMM per expert and weight), and its outputs are scattered back scaled by
 * g. Rows are gathered and scattered on reused Java arrays (one bulk copy in and out of ND4J per expert). Backward mirrors it: dL/dg_te = dy_t·y_te, the expert gets g_te·dy_t for its rows, and its dL/dx rows are
 * added back to their tokens. {@link ReferenceMoeLayer} is the per-token version this is tested against.
 */
public final class MoeLayer extends AbstractMoeLayer {

    private final SwiGlu[] experts;
    private final ScratchArray[] expertRows;
    private final ScratchArray[] expertGradients;
    private final Buffers buffers = new Buffers();
    private int[][] pairs;
    private double[][] outputs;
    private double[] xValues;
    private double[] work;

    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate) {
        this(params, prefix, router, sharedExperts, sharedGate, new StepClock());
    }

    /** clock: where routing, dispatch, experts and combine add their time. */
    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate,
                    StepClock clock) {
        super(params, prefix, router, sharedExperts, sharedGate, clock);
        experts = new SwiGlu[router.experts()];
        expertRows = new ScratchArray[experts.length];
        expertGradients = new ScratchArray[experts.length];
        outputs = new double[experts.length][];
        for (int e = 0; e < experts.length; e++) {
            experts[e] = expert(e);
            expertRows[e] = new ScratchArray('c');
            expertGradients[e] = new ScratchArray('c');
        }
    }

    @Override
    protected void combineExperts(double[] out) {
        RoutingDecision dec = decision;
        int d = x.columns();
        long t0 = System.nanoTime();
        pairs = PairGroups.byExpert(dec);
        xValues = Buffers.ensure(xValues, x.rows() * d);
        buffers.read(x, xValues);
        t0 = clock.lap(StepClock.DISPATCH, t0);
        for (int e = 0; e < experts.length; e++) {
            int[] group = pairs[e];
            if (group.length == 0) {
                continue;
            }
            double[] gathered = work = Buffers.ensure(work, group.length * d);
            for (int r = 0; r < group.length; r++) {
                System.arraycopy(xValues, group[r] / dec.slots() * d, gathered, r * d, d);
            }
            INDArray rows = expertRows[e].get(x.dataType(), group.length, d);
            buffers.write(gathered, rows);
            t0 = clock.lap(StepClock.DISPATCH, t0);
            INDArray y = experts[e].forward(rows);
            double[] ye = outputs[e] = Buffers.ensure(outputs[e], group.length * d);
            buffers.read(y, ye);
            t0 = clock.lap(StepClock.EXPERTS, t0);
            for (int r = 0; r < group.length; r++) {
                int t = group[r] / dec.slots();
                double g = dec.weights()[group[r]];
                for (int j = 0; j < d; j++) {
                    out[t * d + j] += g * ye[r * d + j];
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
            int[] group = pairs[e];
            if (group.length == 0) {
                continue;
            }
            double[] ye = outputs[e];
            double[] dye = work = Buffers.ensure(work, group.length * d);
            for (int r = 0; r < group.length; r++) {
                int t = group[r] / dec.slots();
                double g = dec.weights()[group[r]];
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += dy[t * d + j] * ye[r * d + j];
                    dye[r * d + j] = g * dy[t * d + j];
                }
                weightGradient[group[r]] = dot;
            }
            INDArray dyRows = expertGradients[e].get(x.dataType(), group.length, d);
            buffers.write(dye, dyRows);
            t0 = clock.lap(StepClock.DISPATCH, t0);
            INDArray dxe = experts[e].backward(dyRows);
            buffers.read(dxe, dye);
            t0 = clock.lap(StepClock.EXPERTS, t0);
            for (int r = 0; r < group.length; r++) {
                int t = group[r] / dec.slots();
                for (int j = 0; j < d; j++) {
                    dx[t * d + j] += dye[r * d + j];
                }
            }
            t0 = clock.lap(StepClock.COMBINE, t0);
        }
    }
}
