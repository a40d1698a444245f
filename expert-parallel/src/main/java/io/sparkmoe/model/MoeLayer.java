package io.sparkmoe.model;

import java.util.function.UnaryOperator;

import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;

/**
 * The MoE layer as it should run: kept (token, expert) pairs are grouped per expert (in token order), their rows
 * gathered into one buffer with each expert's rows contiguous, each expert runs once on its rows (one GEMM per
 * expert and weight, {@link GroupedExperts}), and the outputs are scattered back scaled by g. Backward mirrors it:
 * dL/dg_te = dy_t·y_te, the expert gets g_te·dy_t for its rows, and its dL/dx rows are added back to their tokens.
 * {@link ReferenceMoeLayer} is the per-token version this is tested against.
 */
public final class MoeLayer extends AbstractMoeLayer {

    private final GroupedExperts experts;
    private final UnaryOperator<int[]> countsOverWorkers;
    private final Buffers buffers = new Buffers();
    private int[][] pairs;
    private int[] counts;
    private double[] outputs;
    private double[] xValues;
    private double[] work;

    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate) {
        this(params, prefix, router, sharedExperts, sharedGate, new StepClock());
    }

    /** clock: where routing, dispatch, experts and combine add their time. */
    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate,
                    StepClock clock) {
        this(params, prefix, router, sharedExperts, sharedGate, clock, null);
    }

    /**
     * countsOverWorkers (null: none): when a step's batch is split over data-parallel workers in this JVM, sums the
     * load-balance loss's per-expert assignment counts over them, so that loss sees the whole batch's counts.
     */
    public MoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate,
                    StepClock clock, UnaryOperator<int[]> countsOverWorkers) {
        super(params, prefix, router, sharedExperts, sharedGate, clock);
        experts = new GroupedExperts(params, prefix, router.experts(), clock);
        this.countsOverWorkers = countsOverWorkers;
    }

    @Override
    protected RoutingInput routingInput(RoutingInput input) {
        return countsOverWorkers == null ? input : input.withCountsOverRanks(countsOverWorkers);
    }

    @Override
    protected void combineExperts(double[] out) {
        RoutingDecision dec = decision;
        int d = x.columns();
        long t0 = System.nanoTime();
        pairs = PairGroups.byExpert(dec);
        counts = new int[pairs.length];
        int rows = 0;
        for (int e = 0; e < pairs.length; e++) {
            counts[e] = pairs[e].length;
            rows += counts[e];
        }
        xValues = Buffers.ensure(xValues, x.rows() * d);
        buffers.read(x, xValues);
        double[] gathered = work = Buffers.ensure(work, rows * d);
        int row = 0;
        for (int[] group : pairs) {
            for (int p : group) {
                System.arraycopy(xValues, p / dec.slots() * d, gathered, row++ * d, d);
            }
        }
        clock.lap(StepClock.DISPATCH, t0);
        double[] y = outputs = experts.forward(gathered, counts, d, x.dataType(), dec.tokens() * dec.slots(), outputs);
        t0 = System.nanoTime();
        row = 0;
        for (int[] group : pairs) {
            for (int p : group) {
                int t = p / dec.slots();
                double g = dec.weights()[p];
                int base = row++ * d;
                for (int j = 0; j < d; j++) {
                    out[t * d + j] += g * y[base + j];
                }
            }
        }
        clock.lap(StepClock.COMBINE, t0);
    }

    @Override
    protected void backwardExperts(double[] dy, double[] weightGradient, double[] dx) {
        RoutingDecision dec = decision;
        int d = x.columns();
        long t0 = System.nanoTime();
        double[] y = outputs;
        double[] dyRows = work;
        int row = 0;
        for (int[] group : pairs) {
            for (int p : group) {
                int t = p / dec.slots();
                double g = dec.weights()[p];
                int base = row++ * d;
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += dy[t * d + j] * y[base + j];
                    dyRows[base + j] = g * dy[t * d + j];
                }
                weightGradient[p] = dot;
            }
        }
        clock.lap(StepClock.COMBINE, t0);
        double[] dxRows = work = experts.backward(dyRows, dyRows);
        t0 = System.nanoTime();
        row = 0;
        for (int[] group : pairs) {
            for (int p : group) {
                int t = p / dec.slots();
                int base = row++ * d;
                for (int j = 0; j < d; j++) {
                    dx[t * d + j] += dxRows[base + j];
                }
            }
        }
        clock.lap(StepClock.COMBINE, t0);
    }
}
