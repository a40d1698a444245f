package io.sparkmoe.exchange;

import java.util.Objects;

/**
 * What an exchange call is for: the layer (or {@link #NO_LAYER}) and the phase. Every call carries one, so bytes
 * can be counted per layer and phase, and so both sides of a call can check they are at the same point of the
 * step (a rank that sends layer 2's dispatch while its peer waits for layer 1's is a bug, reported as such).
 */
public record Tag(int layer, Phase phase) {

    /** The layer of calls that belong to no layer (gradient all-reduce, barriers). */
    public static final int NO_LAYER = -1;

    /** The step phases that communicate. */
    public enum Phase {
        /** Routing metadata sent ahead of a dispatch (who receives which token for which expert). */
        DISPATCH_PLAN,
        /** Token rows to the ranks of their experts. */
        DISPATCH,
        /** Expert outputs back to the ranks of their tokens. */
        COMBINE,
        /** Backward of combine: output gradients to the expert ranks. */
        COMBINE_BACKWARD,
        /** Backward of dispatch: input gradients back to the token ranks. */
        DISPATCH_BACKWARD,
        /** Per-assignment scalars (gate-weight gradients) back to the token ranks. */
        SCALARS,
        /** Summing an array over all ranks (non-expert gradients). */
        ALL_REDUCE,
        /** Waiting for every rank. */
        BARRIER
    }

    public Tag {
        Objects.requireNonNull(phase, "phase");
        if (layer < NO_LAYER) {
            throw new IllegalArgumentException("layer must be >= 0 or NO_LAYER (-1), got " + layer);
        }
    }

    /** A tag of a call inside {@code layer}. */
    public static Tag of(int layer, Phase phase) {
        return new Tag(layer, phase);
    }

    /** A tag of a call that belongs to no layer. */
    public static Tag global(Phase phase) {
        return new Tag(NO_LAYER, phase);
    }

    @Override
    public String toString() {
        return layer == NO_LAYER ? phase.name() : "layer " + layer + " " + phase;
    }
}
