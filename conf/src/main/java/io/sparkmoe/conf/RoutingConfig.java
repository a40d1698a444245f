package io.sparkmoe.conf;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.sparkmoe.conf.Key.atLeast;

/**
 * Section {@code routing}: which router, how many experts per token, capacity and auxiliary losses
 * (MODEL.md, "Routers", "Auxiliary losses", "Capacity").
 *
 * @param router      short name of the router
 * @param topK        k, experts per token
 * @param normalize   renormalise the top-k weights to sum to 1 (Mixtral)
 * @param capacity    dropless, a factor, or LocMoE's bound
 * @param dropPolicy  which overflowing (token, expert) pairs are dropped first
 * @param zeroInit    initialise the router matrix to zeros instead of normal(0, init-std)
 * @param groupLimit  M: a token may use experts on at most M nodes; empty = no limit
 * @param aux         auxiliary loss weights
 * @param sigmoid     settings of the sigmoid (aux-loss-free) router
 * @param relu        settings of the ReLU (ReMoE) router
 * @param cosine      settings of the cosine (X-MoE) router
 */
public record RoutingConfig(String router, int topK, boolean normalize, Capacity capacity, String dropPolicy,
                            boolean zeroInit, Optional<Integer> groupLimit, AuxLossConfig aux,
                            SigmoidRouterConfig sigmoid, ReluRouterConfig relu, CosineRouterConfig cosine) {

    /** Every router of MODEL.md's table, by short name; the routing module implements each. */
    public static final List<String> ROUTERS =
            List.of("topk", "switch", "hash", "expert-choice", "base", "sigmoid", "relu", "cosine", "grap");

    /** Routers that pick exactly one expert per token. */
    public static final Set<String> TOP1_ROUTERS = Set.of("switch", "hash", "base", "grap");

    /** Routers that select by a per-expert score and so may be wrapped by the group limit. */
    public static final Set<String> GROUP_LIMITABLE = Set.of("topk", "switch", "sigmoid", "cosine");

    public static final List<String> DROP_POLICIES = List.of("position", "score");

    static final Key<String> ROUTER = Key.required("routing.router", ValueType.choice(ROUTERS), "topk",
            "Router: " + String.join(", ", ROUTERS));
    static final Key<Integer> TOP_K = Key.required("routing.top-k", ValueType.integer(), 2,
            "Experts per token k").must(atLeast(1), ">= 1");
    static final Key<Boolean> NORMALIZE = Key.required("routing.normalize", ValueType.bool(), false,
            "Renormalise the top-k weights to sum to 1 (Mixtral)");
    static final Key<Capacity> CAPACITY = Key.required("routing.capacity", Capacity.TYPE, new Capacity.Dropless(),
            "Expert capacity: dropless, a factor cf (C = ceil(cf*N*k/E)), or locmoe-min");
    static final Key<String> DROP_POLICY = Key.required("routing.drop-policy", ValueType.choice(DROP_POLICIES),
            "position", "Which overflowing pairs are dropped: position (GShard slot order) or score (lowest weight)");
    static final Key<Boolean> ZERO_INIT = Key.required("routing.zero-init", ValueType.bool(), false,
            "Initialise the router matrix to zeros");
    static final Key<Integer> GROUP_LIMIT = Key.optional("routing.group-limit", ValueType.integer(), null,
            "Node-limited routing: experts on at most M nodes per token; null = no limit").must(atLeast(1), ">= 1");

    static RoutingConfig read(ConfigReader r) {
        RoutingConfig c = new RoutingConfig(r.get(ROUTER), r.get(TOP_K), r.get(NORMALIZE), r.get(CAPACITY),
                r.get(DROP_POLICY), r.get(ZERO_INIT), r.getOptional(GROUP_LIMIT), AuxLossConfig.read(r),
                SigmoidRouterConfig.read(r), ReluRouterConfig.read(r), CosineRouterConfig.read(r));
        r.check(!TOP1_ROUTERS.contains(c.router) || c.topK == 1, "router " + c.router + " picks one expert per token,"
                + " so top-k must be 1 (got " + c.topK + ")", ROUTER, TOP_K);
        r.check(!c.router.equals("expert-choice") || c.capacity instanceof Capacity.Factor,
                "router expert-choice needs a numeric capacity factor (each expert takes its top C tokens), got "
                        + Capacity.TYPE.render(c.capacity), ROUTER, CAPACITY);
        r.check(c.groupLimit.isEmpty() || GROUP_LIMITABLE.contains(c.router), "group-limit works with the routers "
                + GROUP_LIMITABLE + ", not " + c.router, GROUP_LIMIT, ROUTER);
        r.check(c.groupLimit.map(m -> c.topK % m == 0).orElse(true), "group-limit M (" + c.groupLimit.orElse(0)
                + ") must divide top-k (" + c.topK + ")", GROUP_LIMIT, TOP_K);
        return c;
    }

    /** Routers whose parameters are learned by gradient descent. */
    public boolean isLearned() {
        return !router.equals("hash") && !router.equals("grap");
    }
}
