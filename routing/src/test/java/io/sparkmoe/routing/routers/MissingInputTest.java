package io.sparkmoe.routing.routers;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.TestConfigs;
import io.sparkmoe.routing.TestData;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A router that lacks an input it needs says which, instead of routing wrongly. */
class MissingInputTest {

    private static final RouterShape SHAPE = RouterShape.of(8, 16, 50, DataType.FLOAT);
    private static final RoutingInput PLAIN = RoutingInput.of(TestData.gaussian(1, 10, 16, 1, DataType.FLOAT));

    private static void assertFailsMentioning(Router r, RoutingInput in, String word) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.route(in));
        assertTrue(e.getMessage().contains(word), e.getMessage());
    }

    @Test
    void hashNeedsTokenIds() {
        assertFailsMentioning(Routers.create(TestConfigs.router("hash", 1).build(), SHAPE, 1), PLAIN, "token ids");
    }

    @Test
    void hashRejectsIdsOutsideTheVocabulary() {
        Router r = Routers.create(TestConfigs.router("hash", 1).build(), SHAPE, 1);
        int[] ids = new int[10];
        ids[3] = 50;
        assertFailsMentioning(r, PLAIN.withTokenIds(ids), "vocabulary");
    }

    @Test
    void localityLossNeedsThePlacement() {
        assertFailsMentioning(Routers.create(TestConfigs.router("topk", 2).locality(0.1).build(), SHAPE, 1), PLAIN,
                "placement");
    }

    @Test
    void locMoeCapacityNeedsGateVectors() {
        Router r = Routers.create(TestConfigs.router("hash", 1).capacity(new Capacity.LocMoeMin()).build(), SHAPE, 1);
        assertFailsMentioning(r, PLAIN.withTokenIds(new int[10]), "locmoe-min");
    }

    @Test
    void grapNeedsHiddenSizeDivisibleByExperts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Routers.create(TestConfigs.router("grap", 1).build(), RouterShape.of(6, 16, 50, DataType.FLOAT), 1));
        assertTrue(e.getMessage().contains("divisible"), e.getMessage());
    }
}
