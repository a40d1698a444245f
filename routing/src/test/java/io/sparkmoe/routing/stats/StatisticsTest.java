package io.sparkmoe.routing.stats;

import java.util.OptionalDouble;

import io.sparkmoe.routing.ExpertPlacement;
import io.sparkmoe.routing.RoutingInput;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StatisticsTest {

    /**
     * 4 experts on 2 nodes, one rank per expert (ranks 0, 1 on node 0; 2, 3 on node 1); 4 tokens on ranks
     * 0, 1, 2, 3, one expert each: t0→e0 (same rank), t1→e0 (same node), t2→e0 (other node, dropped),
     * t3→e1 (other node). Load [3, 1, 0, 0]: mean 1, max/mean 3, std √((4+0+1+1)/4) = √1.5, CV √1.5.
     * Kept pairs 3: shares 1/3 same rank, 1/3 same node, 1/3 other node; 8 bytes (2 floats) each.
     */
    @Test
    void statisticsByHand() {
        ExpertPlacement pl = new ExpertPlacement(new int[]{0, 1, 2, 3}, new int[]{0, 0, 1, 1});
        RoutingInput in = RoutingInput.of(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 2))
                .withPlacement(pl, new int[]{0, 1, 2, 3});
        int[] ids = {0, 0, 0, 1};
        boolean[] kept = {true, true, false, true};
        RoutingStatistics s = StatisticsCollector.collect(in, ids, kept, 1, new int[]{3, 1, 0, 0},
                OptionalDouble.of(0.5));
        assertArrayEquals(new int[]{2, 1, 0, 0}, s.tokensPerExpert());
        assertEquals(3.0, s.maxOverMean(), 1e-12);
        assertEquals(Math.sqrt(1.5), s.coefficientOfVariation(), 1e-12);
        assertEquals(1, s.droppedPairs());
        assertEquals(0.5, s.entropy().getAsDouble());
        assertEquals(1.0 / 3, s.sameRank().getAsDouble(), 1e-12);
        assertEquals(1.0 / 3, s.sameNode().getAsDouble(), 1e-12);
        assertEquals(1.0 / 3, s.otherNode().getAsDouble(), 1e-12);
        assertArrayEquals(new long[]{8, 8, 8}, s.dispatchBytes());   // one pair each, d = 2 floats of 4 bytes
    }

    /**
     * Entropy by hand: p uniform over 4 → ln 4; s = [ln 2, 0] → p = [2/3, 1/3] → −(2/3)ln(2/3) − (1/3)ln(1/3);
     * s = [1e4, 0] → p = [1, 0] → 0; the padding token (last) is ignored.
     */
    @Test
    void entropyByHand() {
        double[][] rows = {{0, 0, 0, 0}, {Math.log(2), 0, -1e300, -1e300}, {1e4, 0, 0, 0}, {5, 1, 2, 3}};
        double[] s = new double[16];
        for (int t = 0; t < 4; t++) {
            System.arraycopy(rows[t], 0, s, 4 * t, 4);
        }
        double[] p = new double[16];
        double[] lse = io.sparkmoe.routing.scores.RowSoftmax.softmax(s, 4, 4, p);
        double expected = (Math.log(4) - (2.0 / 3) * Math.log(2.0 / 3) - (1.0 / 3) * Math.log(1.0 / 3) + 0) / 3;
        assertEquals(expected, RouterEntropy.mean(s, p, lse, new boolean[]{true, true, true, false}, 4), 1e-12);
    }
}
