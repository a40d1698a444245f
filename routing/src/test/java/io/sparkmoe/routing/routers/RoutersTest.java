package io.sparkmoe.routing.routers;

import java.util.List;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.conf.RoutingConfig;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.TestConfigs;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutersTest {

    private static final RouterShape SHAPE = RouterShape.of(8, 32, 100, DataType.FLOAT);

    @Test
    void everyConfiguredRouterHasAnImplementation() {
        assertEquals(RoutingConfig.ROUTERS, Routers.names());
        for (String name : RoutingConfig.ROUTERS) {
            int k = RoutingConfig.TOP1_ROUTERS.contains(name) ? 1 : 2;
            TestConfigs c = TestConfigs.router(name, k);
            if (name.equals("expert-choice")) {
                c.capacity(new Capacity.Factor(1.0));
            }
            Router r = Routers.create(c.build(), SHAPE, 1);
            assertEquals(name, r.name());
            assertEquals(8, r.experts());
        }
    }

    @Test
    void unknownNameListsTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Routers.create(TestConfigs.router("topk2", 2).build(), SHAPE, 1));
        for (String name : RoutingConfig.ROUTERS) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void tensorsAreNamedAsInTheReference() {
        assertEquals(List.of("gate.weight"), names(Routers.create(TestConfigs.router("topk", 2).build(), SHAPE, 1), true));
        assertEquals(List.of("gate.e_score_correction_bias"),
                names(Routers.create(TestConfigs.router("sigmoid", 2).build(), SHAPE, 1), false));
        assertEquals(List.of("gate.hash_table"), names(Routers.create(TestConfigs.router("hash", 1).build(), SHAPE, 1), false));
        assertEquals(List.of("gate.proj.weight", "gate.expert_embeddings", "gate.log_temperature"),
                names(Routers.create(TestConfigs.router("cosine", 2).build(), SHAPE, 1), true));
        assertEquals(List.of(), names(Routers.create(TestConfigs.router("grap", 1).build(), SHAPE, 1), true));
    }

    @Test
    void zeroInitGivesAZeroGate() {
        Router r = Routers.create(TestConfigs.router("topk", 2).zeroInit(true).build(), SHAPE, 1);
        assertEquals(0.0, r.parameters().get("gate.weight").norm2Number().doubleValue());
        Router n = Routers.create(TestConfigs.router("topk", 2).build(), SHAPE, 1);
        double std = n.parameters().get("gate.weight").stdNumber().doubleValue();
        assertEquals(0.02, std, 0.004);
    }

    private static List<String> names(Router r, boolean learned) {
        return List.copyOf((learned ? r.parameters().learned() : r.parameters().buffers()).keySet());
    }
}
