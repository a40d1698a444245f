package io.sparkmoe.parallel;

import java.util.Arrays;

import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.exchange.HierarchicalDispatch;
import io.sparkmoe.exchange.Routes;
import io.sparkmoe.exchange.Tag;
import io.sparkmoe.model.AbstractMoeLayer;
import io.sparkmoe.model.GroupedExperts;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.model.StepClock;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;

/**
 * One rank's MoE layer of an expert-parallel run. The rank routes its own tokens (with the expert placement, so the
 * locality loss, the group limit and the locality statistics see where experts live); {@link HierarchicalDispatch}
 * moves each kept (token, expert) row to the rank holding the expert; the rank runs its own experts on what arrived
 * ({@link GroupedExperts}, as {@link io.sparkmoe.model.MoeLayer} does with all of them); combine brings the
 * g-weighted outputs back to the tokens' ranks. Backward mirrors it with the dispatch's gradient calls: combine's
 * backward gives dL/dg per slot and the weighted output gradients per arrival, the experts turn those into dL/d(row),
 * and dispatch's backward sums each token's rows at its rank. Routing, shared experts and the router's backward are
 * {@link AbstractMoeLayer}'s.
 *
 * <p>The load-balance loss sees the whole batch's assignment counts (summed over ranks while routing), so with the
 * trainer's 1/N gradient scaling it equals the single-JVM loss; the z-loss and the locality loss are per-token means
 * and need nothing. Capacity is applied per rank, to the rank's own tokens.
 *
 * <p>Rows travel as float32 and combine sums in float32 (the single-JVM layer sums in float64 and rounds once), so
 * the two layers agree to float rounding, not bit for bit.
 */
public final class DistributedMoeLayer extends AbstractMoeLayer {

    private final int layer;
    private final Exchange exchange;
    private final ExpertShards shards;
    private final ExchangeClock wait;
    private final int[] localIndex;
    private final int localExperts;
    private final GroupedExperts experts;
    private HierarchicalDispatch dispatch;
    private int[] rowOf;
    private float[] expertOutputs;
    private double[] outputs;
    private double[] work;

    /**
     * @param layer    the block index (the exchange tags of this layer carry it)
     * @param exchange this rank's exchange; its rank holds {@code shards.expertsOf(rank)}, registered in {@code params}
     * @param wait     where the time spent in exchange calls is added
     */
    public DistributedMoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate,
                               StepClock clock, int layer, Exchange exchange, ExpertShards shards, ExchangeClock wait) {
        super(params, prefix, router, sharedExperts, sharedGate, clock);
        this.layer = layer;
        this.exchange = exchange;
        this.shards = shards;
        this.wait = wait;
        int[] mine = shards.expertsOf(exchange.rank());
        this.localExperts = mine.length;
        this.localIndex = new int[router.experts()];
        Arrays.fill(localIndex, -1);
        for (int i = 0; i < mine.length; i++) {
            localIndex[mine[i]] = i;
        }
        this.experts = new GroupedExperts(params, prefix, mine, clock);
    }

    @Override
    protected RoutingInput routingInput(RoutingInput input) {
        int[] tokenRank = new int[input.tokens()];
        Arrays.fill(tokenRank, exchange.rank());
        return input.withPlacement(shards.placement(), tokenRank).withCountsOverRanks(this::countsOverRanks);
    }

    /** The load-balance loss's per-expert assignment counts summed over the ranks (float32 is exact below 2^24). */
    private int[] countsOverRanks(int[] counts) {
        float[] mine = new float[counts.length];
        for (int e = 0; e < counts.length; e++) {
            mine[e] = counts[e];
        }
        float[] all = wait.time(() -> exchange.allReduceSum(Tag.of(layer, Tag.Phase.ALL_REDUCE), mine));
        int[] out = new int[all.length];
        for (int e = 0; e < all.length; e++) {
            out[e] = Math.round(all[e]);
        }
        return out;
    }

    @Override
    protected void combineExperts(double[] out) {
        RoutingDecision dec = decision;
        int d = x.columns();
        long t0 = System.nanoTime();
        Routes routes = routes(dec);
        float[] tokenRows = x.dup('c').data().asFloat();
        clock.lap(StepClock.DISPATCH, t0);
        dispatch = wait.time(() -> HierarchicalDispatch.plan(exchange, layer, d, routes, true));
        float[] arrived = wait.time(() -> dispatch.dispatch(tokenRows));
        t0 = System.nanoTime();
        int arrivals = dispatch.arrivals();
        int[] counts = groupArrivals();
        double[] gathered = work = grouped(arrived, arrivals, d);
        clock.lap(StepClock.DISPATCH, t0);
        double[] y = outputs = experts.forward(gathered, counts, d, x.dataType(), arrivals, outputs);
        t0 = System.nanoTime();
        float[] perArrival = expertOutputs = perArrival(y, arrivals, d);
        clock.lap(StepClock.COMBINE, t0);
        float[] combined = wait.time(() -> dispatch.combine(perArrival));
        for (int i = 0; i < combined.length; i++) {
            out[i] += combined[i];
        }
    }

    @Override
    protected void backwardExperts(double[] dy, double[] weightGradient, double[] dx) {
        int d = x.columns();
        int tokens = x.rows();
        float[] dyRows = new float[tokens * d];
        for (int i = 0; i < dyRows.length; i++) {
            dyRows[i] = (float) dy[i];
        }
        HierarchicalDispatch.CombineGradients g = wait.time(() -> dispatch.combineBackward(dyRows, expertOutputs));
        long t0 = System.nanoTime();
        float[] slotGradient = g.weightGradient();
        for (int p = 0; p < slotGradient.length; p++) {
            weightGradient[p] = slotGradient[p];
        }
        int arrivals = dispatch.arrivals();
        float[] perArrival = g.expertOutputGradient();
        double[] grouped = work = grouped(perArrival, arrivals, d);
        clock.lap(StepClock.COMBINE, t0);
        double[] dxRows = work = experts.backward(grouped, grouped);
        t0 = System.nanoTime();
        float[] arrivalGradients = perArrival(dxRows, arrivals, d);
        clock.lap(StepClock.COMBINE, t0);
        float[] tokenGradients = wait.time(() -> dispatch.dispatchBackward(arrivalGradients));
        for (int i = 0; i < tokenGradients.length; i++) {
            dx[i] += tokenGradients[i];
        }
    }

    /** Rows in arrival order → the reused work buffer in {@link GroupedExperts}' order (row {@code rowOf[i]}). */
    private double[] grouped(float[] byArrival, int arrivals, int d) {
        double[] rows = ensure(work, arrivals * d);
        for (int i = 0; i < arrivals; i++) {
            int row = rowOf[i] * d;
            for (int c = 0; c < d; c++) {
                rows[row + c] = byArrival[i * d + c];
            }
        }
        return rows;
    }

    /** The inverse of {@link #grouped}: grouped rows → a new float array in arrival order, as the exchange sends it. */
    private float[] perArrival(double[] grouped, int arrivals, int d) {
        float[] rows = new float[arrivals * d];
        for (int i = 0; i < arrivals; i++) {
            int row = rowOf[i] * d;
            for (int c = 0; c < d; c++) {
                rows[i * d + c] = (float) grouped[row + c];
            }
        }
        return rows;
    }

    /** The kept slots of this rank's tokens with the ranks of their experts; dropped slots go nowhere (-1). */
    private Routes routes(RoutingDecision dec) {
        int pairs = dec.tokens() * dec.slots();
        int[] rank = new int[pairs];
        int[] expert = new int[pairs];
        float[] weight = new float[pairs];
        for (int p = 0; p < pairs; p++) {
            int e = dec.expertIds()[p];
            boolean kept = e >= 0 && dec.kept()[p];
            rank[p] = kept ? shards.placement().rankOf(e) : -1;
            expert[p] = e;
            weight[p] = (float) dec.weights()[p];
        }
        return new Routes(dec.tokens(), dec.slots(), rank, expert, weight);
    }

    /**
     * Orders the arrivals by local expert (arrival order within one), as {@link GroupedExperts} wants them:
     * fills {@link #rowOf} (arrival → grouped row) and returns the rows per local expert.
     */
    private int[] groupArrivals() {
        int arrivals = dispatch.arrivals();
        int[] counts = new int[localExperts];
        for (int i = 0; i < arrivals; i++) {
            counts[local(dispatch.expert(i))]++;
        }
        int[] next = new int[localExperts];
        for (int e = 1; e < localExperts; e++) {
            next[e] = next[e - 1] + counts[e - 1];
        }
        rowOf = new int[arrivals];
        for (int i = 0; i < arrivals; i++) {
            rowOf[i] = next[local(dispatch.expert(i))]++;
        }
        return counts;
    }

    private int local(int expert) {
        int i = expert >= 0 && expert < localIndex.length ? localIndex[expert] : -1;
        if (i < 0) {
            throw new IllegalStateException("rank " + exchange.rank() + " layer " + layer + " received a row for expert "
                    + expert + ", which it does not hold (it holds " + Arrays.toString(shards.expertsOf(exchange.rank()))
                    + ")");
        }
        return i;
    }

    private static double[] ensure(double[] a, int n) {
        return a != null && a.length >= n ? a : new double[n];
    }
}
