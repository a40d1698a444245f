package io.sparkmoe.routing;

import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The capacity applied in one call.
 *
 * @param capacity pairs each expert may keep; empty = dropless
 * @param delta    LocMoE's measured chord δ (only with {@code locmoe-min})
 * @param bound    LocMoE's raw bound {@code N/(E·erfc(√(δ²d/(2−δ²))))} before rounding and clamping
 */
public record CapacityResult(OptionalInt capacity, OptionalDouble delta, OptionalDouble bound) {

    public static final CapacityResult DROPLESS = new CapacityResult(OptionalInt.empty(), OptionalDouble.empty(),
            OptionalDouble.empty());

    public static CapacityResult fixed(int c) {
        return new CapacityResult(OptionalInt.of(c), OptionalDouble.empty(), OptionalDouble.empty());
    }
}
