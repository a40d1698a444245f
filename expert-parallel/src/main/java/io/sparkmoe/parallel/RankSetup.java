package io.sparkmoe.parallel;

import io.sparkmoe.data.shards.ShardSet;
import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.train.MetricsWriter;
import io.sparkmoe.train.checkpoint.CheckpointStore;

/**
 * What one rank of an expert-parallel run is given, wherever it runs (a thread, a barrier task).
 *
 * @param rank        this rank; must equal {@code exchange.rank()}
 * @param exchange    bulk traffic: dispatch, combine, gradient all-reduce (its topology places the ranks on nodes)
 * @param coordinator small messages the ranks agree through (averaging hashes, checkpoint commits, resume point)
 * @param data        the prepared shards (every rank reads the same windows and takes its share of each batch)
 * @param checkpoints where checkpoints go and are resumed from; null: none
 * @param metrics     where this rank's events go; null: none
 */
public record RankSetup(int rank, Exchange exchange, Coordinator coordinator, ShardSet data,
                        CheckpointStore checkpoints, MetricsWriter metrics) {

    public RankSetup {
        if (exchange == null || coordinator == null || data == null) {
            throw new IllegalArgumentException("rank " + rank + " needs an exchange, a coordinator and data");
        }
        if (rank != exchange.rank()) {
            throw new IllegalArgumentException("rank " + rank + " was given the exchange of rank " + exchange.rank());
        }
    }
}
