package io.sparkmoe.routing.capacity;

/**
 * LocMoE's lower bound on expert capacity (Li et al., "LocMoE: A Low-overhead MoE for Large Language Model
 * Training", arXiv 2401.13920, section on the capacity bound; re-estimated in LocMoE+, arXiv 2406.00023), as
 * MODEL.md reads it: {@code C ≥ N / (E · erfc(√(δ²·d / (2 − δ²))))}, δ the largest chord ‖x̂ − ŵ‖ between a
 * token's unit vector and the unit gate vector of an expert it was assigned to (so δ²/(2−δ²) = tan²(θ/2)).
 *
 * <p>How the caveats are reconciled. The bound models the projections of tokens on their gate direction as
 * concentrated around the gate, with spread set by δ: with δ → 0 (every token aligned with its gate),
 * erfc(0) = 1 and C = N/E, perfect balance. But tan²(θ/2)·d grows with d: in a space of d = 1024 even a
 * small angle gives an erfc argument of several units and the bound exceeds N, i.e. the bound is only
 * informative when the gate space is small or tokens hug their gates (the paper's own setting has tokens
 * clustered near the GrAP gate directions, and LocMoE+ replaces it by a data-driven estimate). So we report
 * δ and the raw bound unchanged, and use {@code C = clamp(⌈bound⌉, ⌈N·k/E⌉, N·k)}: never below the perfectly
 * balanced load (which the bound can't go below anyway for k = 1, and for k > 1 the N·k pairs must fit), and
 * never above N·k, where capacity stops dropping anything (an infinite bound is dropless in effect).
 * The dimension is that of the space where the gate compares (d, or r for the cosine router).
 */
public final class LocMoeCapacity {

    private LocMoeCapacity() {
    }

    /** Raw bound N/(E·erfc(√(δ²d/(2−δ²)))); +∞ when δ² ≥ 2 or erfc underflows. */
    public static double bound(double delta, int dimension, int tokens, int experts) {
        double d2 = delta * delta;
        if (d2 >= 2) {
            return Double.POSITIVE_INFINITY;
        }
        double erfc = Erfc.erfc(Math.sqrt(d2 * dimension / (2 - d2)));
        return erfc > 0 ? tokens / (experts * erfc) : Double.POSITIVE_INFINITY;
    }

    /** The capacity used: the bound rounded up and clamped to [⌈N·k/E⌉, N·k]. */
    public static int capacity(double bound, int tokens, int k, int experts) {
        long balanced = (long) Math.ceil(tokens * (double) k / experts);
        long all = (long) tokens * k;
        double c = Math.ceil(bound);
        return (int) Math.max(balanced, Math.min(all, Double.isFinite(c) ? (long) c : all));
    }

    /** δ: the largest chord √(2 − 2·cos) over the assigned pairs, given the token–gate cosines [N, E]. */
    public static double delta(double[] cosines, int experts, int[] ids, int slots) {
        double max = 0;
        for (int pair = 0; pair < ids.length; pair++) {
            int e = ids[pair];
            if (e >= 0) {
                int t = pair / slots;
                max = Math.max(max, Math.sqrt(Math.max(0, 2 - 2 * cosines[t * experts + e])));
            }
        }
        return max;
    }
}
