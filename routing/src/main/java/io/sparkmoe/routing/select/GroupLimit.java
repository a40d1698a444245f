package io.sparkmoe.routing.select;

/**
 * Node-limited top-k (DeepSeek-V3, "node-limited routing"): experts are grouped by the node hosting them; a
 * token may use experts on at most M nodes, chosen by the sum of the best k/M selection scores on each
 * node, and then takes its top-k among the experts of those nodes. Bounds the nodes one token's dispatch
 * reaches, so cross-node traffic per token is at most M copies. Ties go to the lower node and expert index.
 * One instance per routing call (it owns scratch arrays; no per-token allocation).
 */
public final class GroupLimit {

    private final int[] expertNode;
    private final int nodes;
    private final int maxNodes;
    private final int perNode;
    private final double[] nodeScore;
    private final int[] chosenNodes;
    private final double[] masked;
    private final int[] scratch;

    /**
     * @param expertNode node of each expert
     * @param maxNodes   M
     * @param k          experts per token (M divides k)
     */
    public GroupLimit(int[] expertNode, int maxNodes, int k) {
        if (maxNodes < 1 || k % maxNodes != 0) {
            throw new IllegalArgumentException("group limit M=" + maxNodes + " must divide k=" + k);
        }
        this.expertNode = expertNode;
        int n = 0;
        for (int node : expertNode) {
            n = Math.max(n, node + 1);
        }
        this.nodes = n;
        this.maxNodes = maxNodes;
        this.perNode = k / maxNodes;
        this.nodeScore = new double[n];
        this.chosenNodes = new int[Math.min(maxNodes, n)];
        this.masked = new double[expertNode.length];
        this.scratch = new int[perNode];
    }

    /** Like {@link TopK#select}, restricted to experts on the M best nodes. */
    public int select(double[] v, int off, int k, int[] out, int outOff) {
        int e = expertNode.length;
        java.util.Arrays.fill(nodeScore, 0);
        for (int node = 0; node < nodes; node++) {
            for (int j = 0; j < e; j++) {
                masked[j] = expertNode[j] == node ? v[off + j] : Double.NEGATIVE_INFINITY;
            }
            int m = TopK.select(masked, 0, e, perNode, scratch, 0);
            double sum = m == 0 ? Double.NEGATIVE_INFINITY : 0;
            for (int i = 0; i < m; i++) {
                sum += masked[scratch[i]];
            }
            nodeScore[node] = sum;
        }
        int chosen = TopK.select(nodeScore, 0, nodes, chosenNodes.length, chosenNodes, 0);
        for (int j = 0; j < e; j++) {
            masked[j] = onChosenNode(expertNode[j], chosen) ? v[off + j] : Double.NEGATIVE_INFINITY;
        }
        return TopK.select(masked, 0, e, k, out, outOff);
    }

    private boolean onChosenNode(int node, int chosen) {
        for (int i = 0; i < chosen; i++) {
            if (chosenNodes[i] == node) {
                return true;
            }
        }
        return false;
    }

    /** M. */
    public int maxNodes() {
        return maxNodes;
    }
}
