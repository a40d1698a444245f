package io.sparkmoe.placement;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeAssignmentTest {

    @Test
    void ranksOnOneHostShareANodeNumberedByFirstAppearance() {
        NodeAssignment a = NodeAssignment.fromHosts(new String[]{"10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"});
        assertArrayEquals(new int[]{0, 1, 0, 2, 1}, a.nodeOfRank());
        assertEquals(List.of("10.0.0.2", "10.0.0.1", "10.0.0.3"), a.names());
        assertEquals(5, a.ranks());
        assertEquals(3, a.nodes());
        assertArrayEquals(new int[]{0, 2}, a.ranksOn(0));
        assertArrayEquals(new int[]{1, 4}, a.ranksOn(1));
        assertArrayEquals(new int[]{3}, a.ranksOn(2));
    }

    @Test
    void oneHostIsOneNode() {
        NodeAssignment a = NodeAssignment.fromHosts(new String[]{"h", "h", "h"});
        assertEquals(1, a.nodes());
        assertArrayEquals(new int[]{0, 0, 0}, a.nodeOfRank());
    }

    @Test
    void aRankWithoutAHostIsRefusedByRank() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeAssignment.fromHosts(new String[]{"h", " "}));
        assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
    }

    @Test
    void emulatedNodesGroupConsecutiveRanks() {
        NodeAssignment a = NodeAssignment.fromRanksPerNode(6, 2);
        assertArrayEquals(new int[]{0, 0, 1, 1, 2, 2}, a.nodeOfRank());
        assertEquals(List.of("emulated-0", "emulated-1", "emulated-2"), a.names());
        assertEquals(NodeAssignment.fromRanksPerNode(4, 4).nodes(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeAssignment.fromRanksPerNode(6, 4));
        assertTrue(e.getMessage().contains("cluster.ranks-per-node (4)") && e.getMessage().contains("cluster.ranks (6)"),
                e.getMessage());
    }

    @Test
    void givenNodesMustBeNumberedWithoutGaps() {
        assertEquals(2, NodeAssignment.of(new int[]{1, 0, 1}).nodes());
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> NodeAssignment.of(new int[]{0, 2}));
        assertTrue(gap.getMessage().contains("node 1") && gap.getMessage().contains("no rank"), gap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodeAssignment.of(new int[]{0, -1}));
        assertThrows(IllegalArgumentException.class, () -> NodeAssignment.of(new int[0]));
    }
}
