package io.sparkmoe.routing.routers;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.AuxLossValues;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RouterGradients;
import io.sparkmoe.routing.RouterParameters;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.loss.AuxLoss;
import io.sparkmoe.routing.loss.LoadBalanceLoss;
import io.sparkmoe.routing.loss.LocalityLoss;
import io.sparkmoe.routing.loss.LossInputs;
import io.sparkmoe.routing.loss.ZLoss;
import io.sparkmoe.routing.scores.Arrays2;
import io.sparkmoe.routing.scores.RowSoftmax;
import io.sparkmoe.routing.scores.ScoreFunction;
import io.sparkmoe.routing.scores.Scores;
import io.sparkmoe.routing.select.GroupLimit;
import io.sparkmoe.routing.select.TopK;
import io.sparkmoe.routing.stats.RouterEntropy;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A router that scores every expert: logits s from a {@link ScoreFunction}, p = softmax(s) (for the auxiliary
 * losses and statistics, whatever the gate), then a router-specific selection and gate, then capacity. The
 * backward runs in mirror: the gate's backward and each configured loss add into dL/ds, and the score
 * function turns dL/ds into dL/dx and the parameter gradients.
 */
abstract class ScoreRouter implements Router {

    private record Saved(RoutingInput input, Scores scores, LossInputs lossInputs) {
    }

    private final String name;
    protected final RoutingConfig config;
    protected final ScoreFunction scoreFunction;
    protected final RouterParameters parameters = new RouterParameters();
    private final List<AuxLoss> losses = new ArrayList<>();
    private final AuxLoss loadBalance;
    private final AuxLoss zLoss;
    private final AuxLoss locality;

    ScoreRouter(String name, RoutingConfig config, ScoreFunction scoreFunction) {
        this.name = name;
        this.config = config;
        this.scoreFunction = scoreFunction;
        scoreFunction.register(parameters);
        loadBalance = config.aux().loadBalance().map(LoadBalanceLoss::new).orElse(null);
        zLoss = config.aux().zLoss().map(ZLoss::new).orElse(null);
        locality = config.aux().locality().map(LocalityLoss::new).orElse(null);
        for (AuxLoss l : new AuxLoss[]{loadBalance, zLoss, locality}) {
            if (l != null) {
                losses.add(l);
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int experts() {
        return scoreFunction.experts();
    }

    @Override
    public RouterParameters parameters() {
        return parameters;
    }

    /** Chooses pairs and weights; padding tokens get none. */
    protected abstract Selection select(RoutingInput input, Scores scores, double[] probs, boolean[] routed);

    /** Adds the gate's backward (dL/dg → dL/ds) into {@code scoreGradient}. */
    protected abstract void gateBackward(RoutingDecision decision, Scores scores, double[] weightGradient,
                                         double[] scoreGradient);

    /** Experts per token k used for capacity. */
    protected int nominalK() {
        return config.topK();
    }

    /** The router's own regulariser (ReMoE's L1), weighted; empty for most routers. */
    protected OptionalDouble regulariser(Scores scores, boolean[] routed) {
        return OptionalDouble.empty();
    }

    protected void addRegulariserGradient(Scores scores, boolean[] routed, double[] scoreGradient) {
    }

    @Override
    public RoutingDecision route(RoutingInput input) {
        Scores scores = scoreFunction.forward(input.x());
        int n = scores.tokens();
        int e = scores.experts();
        double[] probs = new double[n * e];
        double[] lse = RowSoftmax.softmax(scores.values(), n, e, probs);
        boolean[] routed = new boolean[n];
        for (int t = 0; t < n; t++) {
            routed[t] = !input.isPadding(t);
        }
        Selection sel = select(input, scores, probs, routed);
        int[] counts = sel.counts(e);
        if (loadBalance != null && input.countsOverRanks().isPresent()) {
            counts = input.countsOverRanks().get().apply(counts);
        }
        LossInputs li = new LossInputs(n, e, scores.values(), probs, lse, routed, counts, nodeMap(input));
        AuxLossValues values = new AuxLossValues(valueOf(loadBalance, li), valueOf(zLoss, li), valueOf(locality, li),
                regulariser(scores, routed));
        DecisionAssembly.GateGeometry geometry = config.capacity() instanceof Capacity.LocMoeMin
                ? geometry(input, scores) : null;
        OptionalDouble entropy = OptionalDouble.of(RouterEntropy.mean(scores.values(), probs, lse, routed, e));
        return DecisionAssembly.assemble(config, input, e, sel, nominalK(), probs, entropy, values, geometry,
                new Saved(input, scores, li));
    }

    private DecisionAssembly.GateGeometry geometry(RoutingInput input, Scores scores) {
        double[] cos = scoreFunction.gateCosines(input.x(), scores);
        return cos == null ? null : new DecisionAssembly.GateGeometry(cos, scoreFunction.gateDimension());
    }

    private static OptionalDouble valueOf(AuxLoss loss, LossInputs li) {
        return loss == null ? OptionalDouble.empty() : OptionalDouble.of(loss.value(li));
    }

    private static LossInputs.NodeMap nodeMap(RoutingInput input) {
        if (input.placement().isEmpty()) {
            return null;
        }
        int[] tokenNode = new int[input.tokens()];
        for (int t = 0; t < tokenNode.length; t++) {
            tokenNode[t] = input.tokenNode(t);
        }
        return new LossInputs.NodeMap(tokenNode, input.placement().get().expertNodes());
    }

    @Override
    public RouterGradients backward(RoutingDecision decision, INDArray weightGradient, double auxLossScale) {
        Saved saved = (Saved) decision.saved();
        Scores scores = saved.scores();
        double[] dg = Arrays2.toDoubles(weightGradient);
        if (dg.length != decision.tokens() * decision.slots()) {
            throw new IllegalArgumentException("weight gradient must be [N, slots] = [" + decision.tokens() + ", "
                    + decision.slots() + "]");
        }
        double[] ds = new double[scores.values().length];
        gateBackward(decision, scores, dg, ds);
        if (auxLossScale != 0) {
            double[] aux = auxLossScale == 1 ? ds : new double[ds.length];
            for (AuxLoss loss : losses) {
                loss.addScoreGradient(saved.lossInputs(), aux);
            }
            addRegulariserGradient(scores, saved.lossInputs().routed(), aux);
            for (int i = 0; aux != ds && i < ds.length; i++) {
                ds[i] += auxLossScale * aux[i];
            }
        }
        return scoreFunction.backward(saved.input().x(), scores, ds);
    }

    /** Which tokens of a decision were routed (not padding). */
    protected static boolean[] routedMask(RoutingDecision decision) {
        return ((Saved) decision.saved()).lossInputs().routed();
    }

    /**
     * Top-k of {@code values} per routed token, ties toward the lower index, within the group limit when one is
     * configured (it needs the placement).
     */
    protected int[] topK(RoutingInput input, double[] values, int e, int k, boolean[] routed) {
        int n = routed.length;
        int[] ids = Selection.empty(n, k).ids();
        GroupLimit limit = config.groupLimit().map(m -> new GroupLimit(input.placement()
                .orElseThrow(() -> new IllegalArgumentException("group-limit needs the expert placement in the"
                        + " routing input")).expertNodes(), m, k)).orElse(null);
        for (int t = 0; t < n; t++) {
            if (routed[t]) {
                if (limit == null) {
                    TopK.select(values, t * e, e, k, ids, t * k);
                } else {
                    limit.select(values, t * e, k, ids, t * k);
                }
            }
        }
        return ids;
    }

    /**
     * Backward of gates that are softmax probabilities, g = p_e, or with {@code normalize} g_j = p_j / S,
     * S = Σ_{S_t} p: then ∂L/∂p_j = (∂L/∂g_j − Σ_i ∂L/∂g_i·g_i)/S; followed by the softmax backward.
     */
    protected static void probabilityGateBackward(RoutingDecision d, double[] dg, boolean normalize, double[] ds) {
        int e = d.experts();
        int slots = d.slots();
        double[] p = d.probabilities();
        double[] dp = new double[e];
        for (int t = 0; t < d.tokens(); t++) {
            double sum = 0;
            double dot = 0;
            boolean any = false;
            for (int s = 0; s < slots; s++) {
                int j = d.expertId(t, s);
                if (j >= 0) {
                    any = true;
                    sum += p[t * e + j];
                    dot += dg[t * slots + s] * d.weight(t, s);
                }
            }
            if (!any) {
                continue;
            }
            for (int s = 0; s < slots; s++) {
                int j = d.expertId(t, s);
                if (j >= 0) {
                    dp[j] = normalize ? (dg[t * slots + s] - dot) / sum : dg[t * slots + s];
                }
            }
            RowSoftmax.addBackward(p, t, e, dp, ds);
            java.util.Arrays.fill(dp, 0);
        }
    }
}
