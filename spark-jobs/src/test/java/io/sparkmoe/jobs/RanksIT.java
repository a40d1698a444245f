package io.sparkmoe.jobs;

import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.placement.NodeAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sparkmoe ranks} end to end through the launcher's entry point on {@code local[4]}. */
class RanksIT {

    @TempDir
    Path dir;

    @Test
    void emulatedNodesKeepEachGroupOnItsNode() throws Exception {
        MainTest.Result r = MainTest.run("ranks", "cluster.master=local[4]", "cluster.ranks=4", "cluster.ranks-per-node=2",
                "model.moe.experts=8", "run.dir=" + dir, "run.name=ranks", "cluster.spark.spark.ui.enabled=false");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("4 ranks in one barrier stage") && r.out().contains("ranks passed"), r.out());
        assertEquals(4, r.out().lines().filter(l -> l.matches("rank \\d  executor driver  host \\S+  port \\d+  gpu none  node \\d  peers 4  experts \\[\\d, \\d\\]"
                + "  sent same-rank/same-node/remote [1-9]\\d*/[1-9]\\d*/[1-9]\\d* B")).count(),
                "every rank checked the mesh, sending bytes in every class:\n" + r.out());
        assertTrue(r.out().contains("2 node(s) emulated (cluster.ranks-per-node = 2)"), r.out());
        ExpertPlacement placement = ExpertPlacement.parse(Files.readString(dir.resolve("ranks/placement.json")), "placement.json");
        assertEquals(ExpertPlacement.compute(8, NodeAssignment.fromRanksPerNode(4, 2)), placement);
        assertArrayEquals(new int[]{0, 1, 2, 3}, placement.group(0));
        assertArrayEquals(new int[]{0, 1}, placement.nodes().ranksOn(0));
        for (int e = 0; e < 8; e++) {
            assertEquals(e < 4 ? 0 : 1, placement.nodes().nodeOf(placement.rankOf(e)), "expert " + e + " sits on its group's node");
        }
        assertTrue(r.out().contains("expert 5   rank 2   node 1 (emulated-1)"), r.out());
    }

    /** Without emulation every rank of local mode is on the driver's host: one node holding every expert. */
    @Test
    void oneHostIsOneNode() throws Exception {
        MainTest.Result r = MainTest.run("ranks", "cluster.master=local[2]", "cluster.ranks=2", "model.moe.experts=4",
                "run.dir=" + dir, "run.name=one", "cluster.spark.spark.ui.enabled=false");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("1 node(s) from executor hosts"), r.out());
        ExpertPlacement placement = ExpertPlacement.parse(Files.readString(dir.resolve("one/placement.json")), "placement.json");
        assertEquals(1, placement.nodes().nodes());
        assertArrayEquals(new int[]{2, 3}, placement.localExperts(1));
    }

    @Test
    void dynamicAllocationIsRefusedBeforeAnythingStarts() {
        MainTest.Result r = MainTest.run("ranks", "cluster.master=local[2]", "cluster.ranks=2", "model.moe.experts=4",
                "run.dir=" + dir, "run.name=dyn", "cluster.spark.spark.dynamicAllocation.enabled=true");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("spark.dynamicAllocation.enabled is true: set it to false"), r.err());
        assertFalse(Files.exists(dir.resolve("dyn")), "no run directory for a refused run");
    }
}
