package io.sparkmoe.routing;

import java.util.OptionalDouble;

/**
 * Values of the auxiliary losses of one routing call, already multiplied by their weights. A loss whose
 * weight is unset in the config is not computed (empty); the router's own regulariser (ReMoE's L1) is
 * reported here too.
 *
 * @param loadBalance α·E·Σ f_e·P_e
 * @param zLoss       β·mean(logsumexp(s)²)
 * @param locality    μ·mean KL(D_local ‖ p)
 * @param routerL1    λ·mean_t Σ_e ReLU(s) of the {@code relu} router
 */
public record AuxLossValues(OptionalDouble loadBalance, OptionalDouble zLoss, OptionalDouble locality,
                            OptionalDouble routerL1) {

    public static final AuxLossValues NONE =
            new AuxLossValues(OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty());

    /** Sum of the computed losses (what is added to the training loss). */
    public double total() {
        return loadBalance.orElse(0) + zLoss.orElse(0) + locality.orElse(0) + routerL1.orElse(0);
    }
}
