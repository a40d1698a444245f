package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.exchange.Topology;
import io.sparkmoe.parallel.ExpertShards;
import io.sparkmoe.placement.ExpertPlacement;
import io.sparkmoe.placement.NodeAssignment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RankLayoutTest {

    static SparkMoeConfig config(String... more) {
        List<String> args = new ArrayList<>(List.of("model.moe.experts=8", "cluster.ranks=4"));
        args.addAll(List.of(more));
        return ConfigLoader.load(Optional.empty(), args).config();
    }

    @Test
    void consecutiveRanksPerHostFollowThePlacementRule() {
        String[] hosts = {"a", "a", "b", "b"};
        assertEquals(ExpertPlacement.compute(8, NodeAssignment.fromHosts(hosts)), RankLayout.of(config(), hosts));
    }

    /** Interleaved hosts: each rank keeps its consecutive experts, and the file says which node holds them. */
    @Test
    void interleavedHostsAreDescribedAsTrained() {
        String[] hosts = {"a", "b", "a", "b"};
        ExpertPlacement p = RankLayout.of(config(), hosts);
        ExpertShards trained = ExpertShards.contiguous(8, Topology.of(hosts));
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(trained.expertsOf(r), p.localExperts(r), "rank " + r);
        }
        assertArrayEquals(new int[]{0, 1, 4, 5}, p.group(0));
        assertArrayEquals(new int[]{2, 3, 6, 7}, p.group(1));
        assertEquals(trained.placement(), p.forRouting(), "what the routers read is what the ranks route with");
        assertEquals(p, ExpertPlacement.parse(p.toJson(), ExpertPlacement.FILE), "placement.json reads back");
    }

    @Test
    void emulatedNodesGroupConsecutiveRanksWhateverTheHosts() {
        ExpertPlacement p = RankLayout.of(config("cluster.ranks-per-node=2"), new String[]{"a", "b", "a", "b"});
        assertEquals(List.of("emulated-0", "emulated-1"), p.nodes().names());
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.group(0));
    }
}
