package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.ConfigLoader;
import io.sparkmoe.conf.SparkMoeConfig;
import io.sparkmoe.placement.ExpertPlacement;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RankLayoutTest {

    static SparkMoeConfig config(String... more) {
        List<String> args = new ArrayList<>(List.of("model.moe.experts=8", "cluster.ranks=4"));
        args.addAll(List.of(more));
        return ConfigLoader.load(Optional.empty(), args).config();
    }

    @Test
    void consecutiveRanksPerHostGetTheExpertsTheRanksTrain() {
        ExpertPlacement p = RankLayout.of(config(), new String[]{"a", "a", "b", "b"});
        assertEquals(2, p.nodes().nodes());
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(new int[]{2 * r, 2 * r + 1}, p.localExperts(r), "rank " + r);
        }
    }

    @Test
    void interleavedHostsAreRefusedNamingHostsRanksAndTheFix() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RankLayout.of(config(), new String[]{"a", "b", "a", "b"}));
        String m = e.getMessage();
        assertTrue(m.contains("node 0 (a): ranks [0, 2]") && m.contains("node 1 (b): ranks [1, 3]"), m);
        assertTrue(m.contains("[a, b, a, b]") && m.contains("cluster.ranks-per-node"), m);
    }

    @Test
    void emulatedNodesAreConsecutiveWhateverTheHosts() {
        ExpertPlacement p = RankLayout.of(config("cluster.ranks-per-node=2"), new String[]{"a", "b", "a", "b"});
        assertEquals(List.of("emulated-0", "emulated-1"), p.nodes().names());
        assertArrayEquals(new int[]{2, 3}, p.localExperts(1));
    }
}
