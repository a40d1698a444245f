package io.sparkmoe.model;

import java.util.Map;

import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.scores.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every MoE layer shares (MODEL.md "The MoE layer"): route with the routing library, let the subclass
 * dispatch, compute and combine the routed experts, then add the shared experts. Backward: the subclass returns
 * dL/dx through the experts and fills dL/dg per (token, slot) pair (zero for dropped pairs, since
 * {@code ∂out_t/∂g_te = y_te} only for kept pairs); {@link Router#backward} turns dL/dg into dL/dx and dL/d(router
 * tensors), adding the auxiliary losses' gradients (they enter the total loss with weight 1).
 */
public abstract class AbstractMoeLayer implements FeedForward {

    protected final Parameters params;
    protected final String prefix;
    protected final Router router;
    private final SharedExperts shared;
    protected final StepClock clock;
    private final Buffers buffers = new Buffers();
    private final ScratchArray output = new ScratchArray('c');
    private final ScratchArray inputGradient = new ScratchArray('c');
    private double[] combinedValues;
    private double[] gradientValues;
    protected INDArray x;
    protected RoutingDecision decision;
    private boolean training = true;

    /** prefix: {@code model.layers.{i}.block_sparse_moe.}; the router's tensors must be registered (see {@link #register}). */
    protected AbstractMoeLayer(Parameters params, String prefix, Router router, int sharedExperts, boolean sharedGate,
                               StepClock clock) {
        this.clock = clock;
        this.params = params;
        this.prefix = prefix;
        this.router = router;
        this.shared = new SharedExperts(params, prefix, sharedExperts,
                sharedGate && sharedExperts > 0 ? prefix + "shared_expert_gate.weight" : null);
    }

    /** Registers the router's live tensors under {@code prefix} (learned ones get gradient buffers). */
    static void register(Parameters params, String prefix, Router router) {
        router.parameters().learned().forEach((name, value) -> params.add(prefix + name, value));
        router.parameters().buffers().forEach((name, value) -> params.addBuffer(prefix + name, value));
    }

    /** Training calls (the default) or evaluation calls to the router ({@code base} routes top-1 at evaluation). */
    void setTraining(boolean training) {
        this.training = training;
    }

    public Router router() {
        return router;
    }

    public RoutingDecision decision() {
        return decision;
    }

    @Override
    public final INDArray forward(INDArray input, int[] ids, boolean[] padding) {
        long t = System.nanoTime();
        x = input;
        RoutingInput in = RoutingInput.of(input).withTokenIds(ids);
        in = training ? in : in.forEvaluation();
        decision = router.route(routingInput(padding == null ? in : in.withPadding(padding)));
        t = clock.lap(StepClock.ROUTE, t);
        int size = input.rows() * input.columns();
        double[] combined = combinedValues = Buffers.ensure(combinedValues, size);
        java.util.Arrays.fill(combined, 0, size, 0.0);
        combineExperts(combined);
        t = System.nanoTime();
        INDArray out = output.get(input.dataType(), input.rows(), input.columns());
        buffers.write(combined, out);
        t = clock.lap(StepClock.COMBINE, t);
        if (!shared.isEmpty()) {
            out.addi(shared.forward(input));
            clock.lap(StepClock.EXPERTS, t);
        }
        return out;
    }

    @Override
    public final INDArray backward(INDArray dy) {
        long t = System.nanoTime();
        double[] weightGradient = new double[decision.tokens() * decision.slots()];
        int size = x.rows() * x.columns();
        double[] dx = combinedValues = Buffers.ensure(combinedValues, size);
        java.util.Arrays.fill(dx, 0, size, 0.0);
        double[] dyValues = gradientValues = Buffers.ensure(gradientValues, size);
        buffers.read(dy, dyValues);
        t = clock.lap(StepClock.COMBINE, t);
        backwardExperts(dyValues, weightGradient, dx);
        t = System.nanoTime();
        RouterGradients g = router.backward(decision,
                Arrays2.matrix(weightGradient, decision.tokens(), decision.slots(), x.dataType()));
        for (Map.Entry<String, INDArray> e : g.parameters().entrySet()) {
            params.accumulate(prefix + e.getKey(), e.getValue());
        }
        t = clock.lap(StepClock.ROUTE, t);
        INDArray result = inputGradient.get(x.dataType(), x.rows(), x.columns());
        buffers.write(dx, result);
        result.addi(g.input());
        t = clock.lap(StepClock.COMBINE, t);
        if (!shared.isEmpty()) {
            result.addi(shared.backward(dy));
            clock.lap(StepClock.EXPERTS, t);
        }
        return result;
    }

    @Override
    public double auxLoss() {
        return decision.losses().total();
    }

    /**
     * The router's input as this layer sees it: unchanged in one JVM; a rank of an expert-parallel run adds the
     * expert placement and its own rank, which the locality loss, the group limit and the locality statistics read.
     */
    protected RoutingInput routingInput(RoutingInput input) {
        return input;
    }

    protected SwiGlu expert(int e) {
        return SwiGlu.expert(params, prefix + "experts." + e + ".");
    }

    /** Adds Σ over kept pairs of g_te·Expert_e(x_t) to {@code out} (row-major [N, d], zero on entry). */
    protected abstract void combineExperts(double[] out);

    /** Given dy [N, d] (row-major), fills dL/dg per pair and adds the routed experts' part of dL/dx to {@code dx}. */
    protected abstract void backwardExperts(double[] dy, double[] weightGradient, double[] dx);
}
