package io.sparkmoe.routing.routers;

/**
 * Pairs chosen by a router before capacity: expert per pair ({@code -1} for none) and weight, row-major
 * [N, slots].
 *
 * @param slots   pairs per token
 * @param ids     expert of each pair
 * @param weights weight g of each pair
 */
record Selection(int slots, int[] ids, double[] weights) {

    static Selection empty(int tokens, int slots) {
        int[] ids = new int[tokens * slots];
        java.util.Arrays.fill(ids, io.sparkmoe.routing.RoutingDecision.NO_EXPERT);
        return new Selection(slots, ids, new double[tokens * slots]);
    }

    int[] counts(int experts) {
        int[] c = new int[experts];
        for (int e : ids) {
            if (e >= 0) {
                c[e]++;
            }
        }
        return c;
    }
}
