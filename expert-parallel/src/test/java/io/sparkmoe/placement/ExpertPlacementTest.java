package io.sparkmoe.placement;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpertPlacementTest {

    @Test
    void emulatedNodesGetConsecutiveGroupsAndEveryRankItsShare() {
        ExpertPlacement p = ExpertPlacement.compute(8, NodeAssignment.fromRanksPerNode(4, 2));
        assertArrayEquals(new int[]{0, 0, 1, 1, 2, 2, 3, 3}, p.expertRanks());
        assertArrayEquals(new int[]{0, 0, 0, 0, 1, 1, 1, 1}, p.expertNodes());
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.group(0));
        assertArrayEquals(new int[]{4, 5, 6, 7}, p.group(1));
        assertArrayEquals(new int[]{4, 5}, p.localExperts(2));
        assertEquals(2, p.expertsPerRank());
    }

    /** Spark may put ranks 0 and 2 on one host: the group of that host still sits on its ranks, in order. */
    @Test
    void interleavedHostsKeepEachGroupOnItsNode() {
        ExpertPlacement p = ExpertPlacement.compute(8, NodeAssignment.fromHosts(new String[]{"A", "B", "A", "B"}));
        assertArrayEquals(new int[]{0, 0, 2, 2, 1, 1, 3, 3}, p.expertRanks());
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.group(0));
        assertArrayEquals(new int[]{2, 3}, p.localExperts(2));
        assertEquals(1, p.nodeOf(5));
    }

    @Test
    void anyLayoutOfRanksOnNodesKeepsTheRules() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int ranks = 1 + random.nextInt(12);
            int perRank = 1 + random.nextInt(4);
            int nodes = 1 + random.nextInt(ranks);
            int[] nodeOfRank = new int[ranks];
            for (int r = 0; r < ranks; r++) {
                nodeOfRank[r] = r < nodes ? r : random.nextInt(nodes);
            }
            shuffle(nodeOfRank, random);
            ExpertPlacement p = ExpertPlacement.compute(ranks * perRank, nodeOfRank);
            for (int r = 0; r < ranks; r++) {
                assertEquals(perRank, p.localExperts(r).length, "every rank holds E/N experts");
            }
            for (int e = 0; e < p.experts(); e++) {
                assertEquals(nodeOfRank[p.rankOf(e)], p.nodeOf(e));
                assertTrue(e == 0 || p.nodeOf(e) >= p.nodeOf(e - 1), "groups follow the node order");
            }
            for (int n = 0; n < p.nodes().nodes(); n++) {
                int[] group = p.group(n);
                assertEquals(group.length, p.nodes().ranksOn(n).length * perRank, "E/N experts per rank of the node");
                assertEquals(group.length - 1, group[group.length - 1] - group[0], "a group is consecutive ids");
            }
        }
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Unequal nodes follow the documented rule: E/N experts per rank, so a bigger node has a bigger group. */
    @Test
    void unequalNodesGetGroupsInProportionToTheirRanks() {
        ExpertPlacement p = ExpertPlacement.compute(6, NodeAssignment.fromHosts(new String[]{"A", "A", "B"}));
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.group(0));
        assertArrayEquals(new int[]{4, 5}, p.group(1));
    }

    @Test
    void expertsNotDivisibleByRanksAreRefusedNamingTheKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExpertPlacement.compute(6, NodeAssignment.fromRanksPerNode(4, 2)));
        assertTrue(e.getMessage().contains("model.moe.experts (6)") && e.getMessage().contains("cluster.ranks (4)"),
                e.getMessage());
    }

    /** The routing module's view is the same map as its own contiguous layout for equal nodes. */
    @Test
    void theRoutingViewIsTheSameMap() {
        ExpertPlacement p = ExpertPlacement.compute(16, NodeAssignment.fromRanksPerNode(8, 2));
        assertEquals(io.sparkmoe.routing.ExpertPlacement.contiguous(16, 8, 2), p.forRouting());
        assertArrayEquals(p.expertNodes(), p.forRouting().expertNodes());
    }

    @Test
    void jsonRoundTripsWithNodeNames() {
        ExpertPlacement p = ExpertPlacement.compute(8, NodeAssignment.fromHosts(new String[]{"A", "B", "A", "B"}));
        String json = p.toJson();
        ExpertPlacement back = ExpertPlacement.parse(json, "placement.json");
        assertEquals(p, back);
        assertEquals("B", back.nodes().name(1));
        assertTrue(json.contains("\"format\" : \"sparkmoe-placement\""), json);
        assertTrue(json.replaceAll("\\s", "").contains("{\"expert\":2,\"rank\":2,\"node\":0}"), json);
        assertEquals(json, back.toJson());
    }

    /** A map by another rule (two experts swapped between ranks) is still a valid placement. */
    @Test
    void anotherValidMapIsAccepted() {
        ExpertPlacement p = ExpertPlacement.compute(4, NodeAssignment.fromRanksPerNode(2, 1));
        String swapped = p.toJson().replaceAll("\\s", "")
                .replace("{\"expert\":1,\"rank\":0,\"node\":0}", "{\"expert\":1,\"rank\":1,\"node\":1}")
                .replace("{\"expert\":2,\"rank\":1,\"node\":1}", "{\"expert\":2,\"rank\":0,\"node\":0}")
                .replace("\"experts\":[0,1]", "\"experts\":[0,2]").replace("\"experts\":[2,3]", "\"experts\":[1,3]");
        ExpertPlacement q = ExpertPlacement.parse(swapped, "placement.json");
        assertArrayEquals(new int[]{0, 1, 0, 1}, q.expertRanks());
        assertArrayEquals(new int[]{0, 2}, q.localExperts(0));
    }

    @Test
    void badFilesAreRefusedNamingTheFileAndWhatIsWrong() {
        String good = ExpertPlacement.compute(4, NodeAssignment.fromRanksPerNode(2, 1)).toJson().replaceAll("\\s", "");
        assertRefused("{", "not valid JSON");
        assertRefused(good.replace("sparkmoe-placement", "sparkmoe-shards"), "not a placement");
        assertRefused(good.replace("\"version\":1", "\"version\":2"), "version 2");
        // expert 1 moved to rank 1: rank 0 then holds one expert, rank 1 three
        assertRefused(good.replace("{\"expert\":1,\"rank\":0,\"node\":0}", "{\"expert\":1,\"rank\":1,\"node\":1}")
                .replace("\"experts\":[0,1]", "\"experts\":[0]").replace("\"experts\":[2,3]", "\"experts\":[1,2,3]"),
                "rank 0 holds 1 experts, expected E/N = 2");
        assertRefused(good.replace("{\"expert\":3,\"rank\":1,\"node\":1}", "{\"expert\":3,\"rank\":1,\"node\":0}"),
                "experts[3]");
        assertRefused(good.replace("\"experts\":[2,3]", "\"experts\":[2]"), "node 1 lists experts [2]");
        assertRefused(good.replace("\"ranks\":[1]", "\"ranks\":[]"), "rank 1 is on no node");
        assertRefused(good.replace("\"ranks\":[1]", "\"ranks\":[0]"), "already on another node");
    }

    private static void assertRefused(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExpertPlacement.parse(json, "runs/x/placement.json"), json);
        assertTrue(e.getMessage().startsWith("runs/x/placement.json: ") && e.getMessage().contains(expected),
                e.getMessage());
    }
}
