package io.sparkmoe.costmodel;

import io.sparkmoe.exchange.Topology;
import io.sparkmoe.exchange.TrafficClass;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The projection's routing patterns against closed forms, the fit of λ, and the time terms against hand sums. */
class StepCostModelTest {

    private static final int SAMPLES = 20_000;

    /** Remote copies per token when the k slots are k distinct uniform experts: (M−1)(1 − C(E−E/M, k) / C(E, k)). */
    private static double uniformRemoteNodes(int nodes, int experts, int k) {
        double allElsewhere = 1;
        int perNode = experts / nodes;
        for (int i = 0; i < k; i++) {
            allElsewhere *= (double) (experts - perNode - i) / (experts - i);
        }
        return (nodes - 1) * (1 - allElsewhere);
    }

    private static DispatchVolume sample(Topology topology, int experts, RoutingPattern pattern, long seed) {
        DispatchVolume volume = new DispatchVolume(topology, true);
        Random random = new Random(seed);
        for (int i = 0; i < SAMPLES; i++) {
            int origin = random.nextInt(topology.size());
            volume.add(origin, pattern.sample(random, topology, experts, origin));
        }
        return volume;
    }

    private static Topology nodes(int nodes, int ranksPerNode) {
        return StepCostModel.topology(new ClusterSpec(nodes, ranksPerNode, new Link(0, 1), new Link(0, 1), 1, ""));
    }

    @Test
    void uniformRoutingSendsTheExpectedRemoteCopies() {
        for (int[] c : new int[][]{{2, 2, 8, 2}, {4, 2, 16, 2}, {8, 8, 128, 2}, {4, 1, 4, 1}, {8, 2, 32, 4}}) {
            Topology topology = nodes(c[0], c[1]);
            DispatchVolume v = sample(topology, c[2], RoutingPattern.uniform("topk", c[3]), 3);
            double perToken = (double) v.rows(TrafficClass.REMOTE) / v.tokens();
            double expected = uniformRemoteNodes(c[0], c[2], c[3]);
            // a count of at most M−1 per token: its standard error is below (M−1)/(2√n)
            assertEquals(expected, perToken, 4 * (c[0] - 1) / (2 * Math.sqrt(SAMPLES)), java.util.Arrays.toString(c));
        }
    }

    @Test
    void aGroupLimitOfOneNodeSendsAtMostOneRemoteCopy() {
        Topology topology = nodes(8, 4);
        DispatchVolume limited = sample(topology, 64, RoutingPattern.nodeLimited("limit", 4, 1), 5);
        DispatchVolume free = sample(topology, 64, RoutingPattern.uniform("topk", 4), 5);
        double perToken = (double) limited.rows(TrafficClass.REMOTE) / limited.tokens();
        assertEquals(7.0 / 8, perToken, 4 * Math.sqrt(0.25 / SAMPLES));
        assertTrue(free.rows(TrafficClass.REMOTE) > 2.5 * limited.rows(TrafficClass.REMOTE));
    }

    @Test
    void fullLocalBiasSendsNothingAcrossNodesAndNoneIsUniform() {
        Topology topology = nodes(4, 2);
        assertEquals(0, sample(topology, 16, RoutingPattern.localBiased("loc", 2, 1.0), 7).rows(TrafficClass.REMOTE));
        DispatchVolume none = sample(topology, 16, RoutingPattern.localBiased("loc", 2, 0.0), 7);
        DispatchVolume uniform = sample(topology, 16, RoutingPattern.uniform("topk", 2), 7);
        assertEquals(uniform.rows(TrafficClass.REMOTE), none.rows(TrafficClass.REMOTE));
    }

    @Test
    void theFitRecoversTheLocalBiasThatProducedTheBytes() {
        StepCostModel model = new StepCostModel(SAMPLES, 11);
        ClusterSpec cluster = new ClusterSpec(2, 2, new Link(1e-5, 1e9), Link.ofMbit(1000, 0.5), 1e9, "emulated");
        ModelShape shape = new ModelShape(64, 2, 1e6, 100_000, 2, 4096, 4);
        for (double lambda : new double[]{0.2, 0.6, 0.9}) {
            Topology topology = StepCostModel.topology(cluster);
            double measured = StepCostModel.perToken(sample(topology, 8, RoutingPattern.localBiased("x", 2, lambda), 99),
                    TrafficClass.REMOTE, 64);
            assertEquals(lambda, LocalityFit.lambda(model, cluster, shape, 2, measured), 0.03, "λ " + lambda);
        }
    }

    @Test
    void theTimeTermsAreTheStatedSums() {
        StepCostModel model = new StepCostModel(SAMPLES, 13);
        Link intra = new Link(2e-6, 100e9);
        Link inter = new Link(1e-5, 10e9);
        ClusterSpec cluster = new ClusterSpec(4, 2, intra, inter, 2e12, "test");
        ModelShape shape = new ModelShape(128, 3, 3e9, 5_000_000, 2, 8192, 4);
        RoutingPattern topk = RoutingPattern.uniform("topk", 2);
        StepCost cost = model.predict(cluster, shape, topk, 1);
        assertEquals(8192 * 3e9 / 2e12, cost.computeSeconds(), 1e-12);
        // ring all-reduce over 8 ranks, bottleneck = the node's interface shared by 2 ranks (5 GB/s each)
        double ring = 2.0 * 7 / 8 * 5_000_000 * 4 / 5e9 + 2.0 * 7 * 1e-5;
        assertEquals(ring, cost.replicaSeconds(), 1e-12);
        assertEquals(ring / 10, model.predict(cluster, shape, topk, 10).replicaSeconds(), 1e-12);
        double exchange = 3 * StepCostModel.ROUNDS * 1e-5 + intra.seconds(8192 * cost.sameNodeBytesPerToken())
                + inter.seconds(2.0 * 8192 * cost.remoteBytesPerToken());
        assertEquals(exchange, cost.exchangeSeconds(), 1e-12);
        // per layer: about 4 row collectives × 128 floats × 4 B × the remote copies (3/4 nodes × ...)
        double rows = uniformRemoteNodes(4, 16, 2);
        assertEquals(3 * rows * 4 * 128 * 4, cost.remoteBytesPerToken(), 0.05 * cost.remoteBytesPerToken());
        // half-width values halve the row bytes
        StepCost bf16 = model.predict(cluster, new ModelShape(128, 3, 3e9, 5_000_000, 2, 8192, 2), topk, 1);
        assertTrue(bf16.remoteBytesPerToken() < 0.55 * cost.remoteBytesPerToken());
    }

    @Test
    void onOneNodeNothingIsRemote() {
        StepCost cost = new StepCostModel(2000, 1).predict(
                new ClusterSpec(1, 8, new Link(1e-6, 1e11), new Link(1e-5, 1e10), 1e12, "one node"),
                new ModelShape(64, 2, 1e6, 1000, 1, 1024, 4), RoutingPattern.uniform("topk", 2), 1);
        assertEquals(0, cost.remoteBytesPerToken());
        assertTrue(cost.sameNodeBytesPerToken() > 0);
    }
}
