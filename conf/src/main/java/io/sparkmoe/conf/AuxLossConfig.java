package io.sparkmoe.conf;

import java.util.Optional;

/**
 * Section {@code routing.aux}: weights of the auxiliary losses. Unset ({@code null}) means the loss is
 * neither computed nor added; {@code 0} means it is computed and reported but adds no gradient.
 *
 * @param loadBalance α of the Switch/GShard load-balance loss
 * @param zLoss       β of the ST-MoE router z-loss
 * @param locality    μ of the LocMoE locality loss
 */
public record AuxLossConfig(Optional<Double> loadBalance, Optional<Double> zLoss, Optional<Double> locality) {

    static final Key<Double> LOAD_BALANCE = Key.optional("routing.aux.load-balance", ValueType.number(), 0.01,
            "Load-balance loss weight alpha (Switch/GShard); null = off").must(v -> v >= 0, ">= 0");
    static final Key<Double> Z_LOSS = Key.optional("routing.aux.z-loss", ValueType.number(), null,
            "Router z-loss weight beta (ST-MoE); null = off").must(v -> v >= 0, ">= 0");
    static final Key<Double> LOCALITY = Key.optional("routing.aux.locality", ValueType.number(), null,
            "LocMoE locality loss weight mu; null = off").must(v -> v >= 0, ">= 0");

    static AuxLossConfig read(ConfigReader r) {
        return new AuxLossConfig(r.getOptional(LOAD_BALANCE), r.getOptional(Z_LOSS), r.getOptional(LOCALITY));
    }
}
