package io.sparkmoe.jobs.ep;

/**
 * One variant's run in the locality benchmark: the topology it ran on and what its metrics say, or why it failed.
 *
 * @param variant      the configuration
 * @param nodes        nodes the ranks were on (from the executors' hosts or cluster.ranks-per-node)
 * @param ranksPerNode ranks per node
 * @param metrics      the aggregated metrics, null when the run produced none
 * @param error        why the run failed or is not to be trusted, null when it did not
 */
public record LocalityResult(LocalityVariant variant, int nodes, int ranksPerNode, EpRunMetrics metrics, String error) {

    public boolean ok() {
        return error == null && metrics != null;
    }
}
