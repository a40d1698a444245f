package io.sparkmoe.exchange;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopologyTest {

    @Test
    void nodesAreNumberedInOrderOfFirstRankAndClassifyTraffic() {
        Topology topology = Topology.of("h2", "h1", "h2", "h1", "h3");
        assertEquals(5, topology.size());
        assertEquals(3, topology.nodeCount());
        assertEquals(0, topology.nodeIndex(2));
        assertEquals(1, topology.nodeIndex(3));
        assertArrayEquals(new int[] {0, 2}, topology.ranksOn(0));
        assertArrayEquals(new int[] {1, 3}, topology.ranksOn(1));
        assertEquals(TrafficClass.SAME_RANK, topology.classify(3, 3));
        assertEquals(TrafficClass.SAME_NODE, topology.classify(1, 3));
        assertEquals(TrafficClass.REMOTE, topology.classify(0, 1));
        assertEquals(TrafficClass.REMOTE, topology.flat().classify(0, 2));
        assertEquals(1, Topology.singleNode(3).nodeCount());
    }

    @Test
    void badRanksAndNodeIdsAreRefusedNamingThem() {
        Topology topology = Topology.of("a", "b");
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> topology.classify(0, 2));
        assertTrue(outside.getMessage().contains("rank 2 is outside the topology of 2 ranks"), outside.getMessage());
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> Topology.of("a", " "));
        assertTrue(blank.getMessage().contains("rank 1 has no node id"), blank.getMessage());
    }
}
