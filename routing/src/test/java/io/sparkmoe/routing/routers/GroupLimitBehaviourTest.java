package io.sparkmoe.routing.routers;

import io.sparkmoe.routing.ExpertPlacement;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.TestConfigs;
import io.sparkmoe.routing.TestData;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupLimitBehaviourTest {

    private static final ExpertPlacement PLACEMENT = ExpertPlacement.contiguous(16, 8, 2);   // 4 nodes, 4 experts each

    /** With M nodes allowed, no token's experts span more than M nodes; without the limit some do. */
    @Test
    void tokensUseAtMostMNodes() {
        for (String name : new String[]{"topk", "sigmoid", "cosine"}) {
            int maxNodes = 2;
            Router limited = Routers.create(TestConfigs.router(name, 4).groupLimit(maxNodes).build(),
                    RouterShape.of(16, 32, 100, DataType.DOUBLE), 5);
            Router free = Routers.create(TestConfigs.router(name, 4).build(), RouterShape.of(16, 32, 100, DataType.DOUBLE), 5);
            RoutingInput in = RoutingInput.of(TestData.gaussian(1, 256, 32, 1, DataType.DOUBLE))
                    .withPlacement(PLACEMENT, TestData.roundRobinRanks(256, 8));
            assertTrue(maxNodesPerToken(limited.route(in)) <= maxNodes, name);
            assertTrue(maxNodesPerToken(free.route(in)) > maxNodes, name + ": the unlimited router should spread");
        }
    }

    @Test
    void groupLimitNeedsThePlacement() {
        Router r = Routers.create(TestConfigs.router("topk", 2).groupLimit(1).build(),
                RouterShape.of(16, 32, 100, DataType.DOUBLE), 5);
        assertThrows(IllegalArgumentException.class,
                () -> r.route(RoutingInput.of(TestData.gaussian(1, 8, 32, 1, DataType.DOUBLE))));
    }

    private static int maxNodesPerToken(RoutingDecision d) {
        int max = 0;
        for (int t = 0; t < d.tokens(); t++) {
            java.util.Set<Integer> nodes = new java.util.HashSet<>();
            for (int s = 0; s < d.slots(); s++) {
                nodes.add(PLACEMENT.nodeOf(d.expertId(t, s)));
            }
            max = Math.max(max, nodes.size());
        }
        return max;
    }
}
