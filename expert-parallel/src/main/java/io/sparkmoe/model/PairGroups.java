package io.sparkmoe.model;

import io.sparkmoe.routing.RoutingDecision;

/** Dispatch bookkeeping: the kept (token, slot) pairs of a decision, grouped per expert, in token order. */
final class PairGroups {

    private PairGroups() {
    }

    /** For each expert, the indices {@code t·slots + s} of its kept pairs, ascending. */
    static int[][] byExpert(RoutingDecision dec) {
        int[] counts = new int[dec.experts()];
        int pairs = dec.tokens() * dec.slots();
        for (int p = 0; p < pairs; p++) {
            if (dec.kept()[p] && dec.expertIds()[p] >= 0) {
                counts[dec.expertIds()[p]]++;
            }
        }
        int[][] out = new int[dec.experts()][];
        for (int e = 0; e < out.length; e++) {
            out[e] = new int[counts[e]];
        }
        int[] fill = new int[dec.experts()];
        for (int p = 0; p < pairs; p++) {
            int e = dec.expertIds()[p];
            if (dec.kept()[p] && e >= 0) {
                out[e][fill[e]++] = p;
            }
        }
        return out;
    }
}
