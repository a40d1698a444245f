package io.sparkmoe.routing.routers;

import java.util.OptionalDouble;
import java.util.OptionalInt;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.AuxLossValues;
import io.sparkmoe.routing.CapacityResult;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.capacity.DropPolicy;
import io.sparkmoe.routing.capacity.LocMoeCapacity;
import io.sparkmoe.routing.stats.StatisticsCollector;

/**
 * The router-independent end of routing: capacity (MODEL.md, "Capacity"), the kept mask, and statistics.
 */
final class DecisionAssembly {

    /** Token–gate cosines [N, E] and their space's dimension, for LocMoE's δ; null when the router has no gate. */
    record GateGeometry(double[] cosines, int dimension) {
    }

    private DecisionAssembly() {
    }

    static RoutingDecision assemble(RoutingConfig config, RoutingInput input, int experts, Selection sel, int k,
                                    double[] probs, OptionalDouble entropy, AuxLossValues losses,
                                    GateGeometry geometry, Object saved) {
        int n = input.tokens();
        int[] load = sel.counts(experts);
        CapacityResult capacity = capacity(config.capacity(), input.routedTokens(), k, experts, sel, geometry);
        boolean[] kept;
        if (capacity.capacity().isPresent()) {
            kept = DropPolicy.of(config.dropPolicy()).keep(sel.ids(), sel.weights(), n, sel.slots(), experts,
                    capacity.capacity().getAsInt());
        } else {
            kept = new boolean[sel.ids().length];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = sel.ids()[i] >= 0;
            }
        }
        var stats = StatisticsCollector.collect(input, sel.ids(), kept, sel.slots(), load, entropy);
        return new RoutingDecision(n, experts, sel.slots(), sel.ids(), sel.weights(), kept, load,
                stats.tokensPerExpert(), capacity, losses, probs, stats, saved);
    }

    static CapacityResult capacity(Capacity c, int routedTokens, int k, int experts, Selection sel,
                                   GateGeometry geometry) {
        if (c instanceof Capacity.Factor f) {
            return CapacityResult.fixed((int) Math.ceil(f.value() * routedTokens * k / experts));
        }
        if (c instanceof Capacity.LocMoeMin) {
            if (geometry == null) {
                throw new IllegalArgumentException("capacity locmoe-min needs a router with gate vectors"
                        + " (not hash)");
            }
            double delta = LocMoeCapacity.delta(geometry.cosines(), experts, sel.ids(), sel.slots());
            double bound = LocMoeCapacity.bound(delta, geometry.dimension(), routedTokens, experts);
            return new CapacityResult(OptionalInt.of(LocMoeCapacity.capacity(bound, routedTokens, k, experts)),
                    OptionalDouble.of(delta), OptionalDouble.of(bound));
        }
        return CapacityResult.DROPLESS;
    }
}
