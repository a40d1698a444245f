package io.sparkmoe.costmodel;

import io.sparkmoe.exchange.Topology;
import io.sparkmoe.exchange.TrafficClass;

import java.util.Random;

/**
 * Projects one rank's training step for a cluster, a model and a router, with the step SparkMoE runs: no overlap
 * of compute and communication (the step is synchronous), hierarchical dispatch, replicated parameters kept equal
 * by a ring all-reduce every step or by averaging every n steps.
 *
 * <pre>
 *   compute  = tokens · FLOPs per token / sustained FLOP/s
 *   exchange = MoE layers · ( ROUNDS · α + tokens · same-node bytes per token / β_intra
 *                                        + ranks per node · tokens · remote bytes per token / β_node )
 *   replicas = ( 2 (N−1)/N · P · bytes / β_slowest + 2 (N−1) α ) / averaging interval
 * </pre>
 * Bytes per token come from sampling the router's {@link RoutingPattern} and counting them with
 * {@link DispatchVolume} (the real dispatch's rules). ROUNDS = 11 message rounds per layer and step: two plan
 * rounds, two per row collective (origin → entry → member, or back) and the gate gradients. The remote term
 * charges a node's interface with all its ranks' remote bytes, so it is the bottleneck the model assumes.
 */
public final class StepCostModel {

    /** Message rounds of one MoE layer's exchange per step. */
    public static final int ROUNDS = 2 + 2 * DispatchVolume.ROW_COLLECTIVES + 1;

    private final int samples;
    private final long seed;

    /** samples: tokens drawn per projection (the bytes per token are their mean). */
    public StepCostModel(int samples, long seed) {
        this.samples = samples;
        this.seed = seed;
    }

    public StepCost predict(ClusterSpec cluster, ModelShape model, RoutingPattern pattern, int averagingInterval) {
        DispatchVolume volume = sample(cluster, model, pattern);
        double width = model.hidden() * model.bytesPerValue() / 4.0; // stepBytes counts 4-byte floats
        double remote = model.moeLayers() * perToken(volume, TrafficClass.REMOTE, width);
        double sameNode = model.moeLayers() * perToken(volume, TrafficClass.SAME_NODE, width);
        long tokens = model.tokensPerRank();
        Link latencyLink = cluster.nodes() > 1 ? cluster.interNode() : cluster.intraNode();
        double exchange = model.moeLayers() * ROUNDS * latencyLink.latencySeconds()
                + cluster.intraNode().seconds(tokens * sameNode)
                + cluster.interNode().seconds((double) cluster.ranksPerNode() * tokens * remote);
        double compute = tokens * model.flopsPerToken() / cluster.flopsPerRank();
        return new StepCost(compute, exchange, replicaSeconds(cluster, model, averagingInterval), remote, sameNode);
    }

    /** Bytes per token of one layer's step; width in 4-byte units (bf16 rows are half as wide), so linear in it. */
    static double perToken(DispatchVolume volume, TrafficClass c, double width) {
        long fixed = volume.stepBytes(c, 0);
        return (fixed + (volume.stepBytes(c, 1) - fixed) * width) / volume.tokens();
    }

    /** The routing of {@code samples} tokens from random origins, counted. */
    DispatchVolume sample(ClusterSpec cluster, ModelShape model, RoutingPattern pattern) {
        Topology topology = topology(cluster);
        DispatchVolume volume = new DispatchVolume(topology, true);
        Random random = new Random(seed);
        int experts = cluster.ranks() * model.expertsPerRank();
        for (int i = 0; i < samples; i++) {
            int origin = random.nextInt(cluster.ranks());
            volume.add(origin, pattern.sample(random, topology, experts, origin));
        }
        return volume;
    }

    static double replicaSeconds(ClusterSpec cluster, ModelShape model, int averagingInterval) {
        int n = cluster.ranks();
        if (n == 1) {
            return 0;
        }
        double perRankInter = cluster.interNode().bytesPerSecond() / cluster.ranksPerNode();
        double slowest = cluster.nodes() > 1 ? Math.min(perRankInter, cluster.intraNode().bytesPerSecond())
                : cluster.intraNode().bytesPerSecond();
        Link latencyLink = cluster.nodes() > 1 ? cluster.interNode() : cluster.intraNode();
        double ring = 2.0 * (n - 1) / n * model.replicatedParams() * model.bytesPerValue() / slowest
                + 2.0 * (n - 1) * latencyLink.latencySeconds();
        return ring / averagingInterval;
    }

    static Topology topology(ClusterSpec cluster) {
        String[] nodes = new String[cluster.ranks()];
        for (int r = 0; r < nodes.length; r++) {
            nodes[r] = "n" + r / cluster.ranksPerNode();
        }
        return Topology.of(nodes);
    }
}
