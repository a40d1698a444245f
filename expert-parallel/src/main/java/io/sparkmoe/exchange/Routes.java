package io.sparkmoe.exchange;

/**
 * Where this rank's tokens go, as decided by the router: for token {@code t} and slot {@code j < k}, the rank
 * that holds the chosen expert ({@code -1}: the slot was dropped, e.g. over capacity), the expert id and the gate
 * weight, each at index {@code t * k + j}.
 */
public record Routes(int tokens, int k, int[] rank, int[] expert, float[] weight) {

    public Routes {
        if (tokens < 0 || k < 1) {
            throw new IllegalArgumentException("routes need tokens >= 0 and k >= 1, got " + tokens + " and " + k);
        }
        long slots = (long) tokens * k;
        if (rank.length != slots || expert.length != slots || weight.length != slots) {
            throw new IllegalArgumentException("routes of " + tokens + " tokens x " + k + " slots need " + slots
                    + " ranks, experts and weights, got " + rank.length + ", " + expert.length + " and "
                    + weight.length);
        }
    }

    /** The index of token {@code t}, slot {@code j}. */
    public int slot(int t, int j) {
        return t * k + j;
    }
}
