package io.sparkmoe.routing.routers;

import java.util.List;
import java.util.Map;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import io.sparkmoe.conf.Capacity;
import io.sparkmoe.routing.Router;
import io.sparkmoe.routing.RoutingDecision;
import io.sparkmoe.routing.RoutingInput;
import io.sparkmoe.routing.TestConfigs;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The routers of the PyTorch reference (topk with and without normalize, switch, sigmoid with a bias, cosine,
 * grap, hash) replayed on the same tensors and tokens: same expert ids (token 0 is all-zero, so ties are
 * exercised), same weights, same load-balance + z-loss, same loads, capacity and dropped pairs under both drop
 * policies. The fixture is written by {@code reference/make_router_fixture.py} (float64).
 */
class TorchReferenceAgreementTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fixture() {
        return ConfigFactory.parseResources("reference/router-fixture.json",
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)).root().unwrapped();
    }

    private static double[] doubles(Object list) {
        return ((List<?>) list).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    @Test
    @SuppressWarnings("unchecked")
    void decisionsMatchTheReference() {
        Map<String, Object> f = fixture();
        int n = ((Number) f.get("tokens")).intValue();
        int d = ((Number) f.get("hidden")).intValue();
        int e = ((Number) f.get("experts")).intValue();
        int vocab = ((Number) f.get("vocab")).intValue();
        for (Object o : (List<?>) f.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            String name = (String) c.get("router");
            String label = name + (Boolean.TRUE.equals(c.get("normalize")) ? "+normalize" : "");
            INDArray x = Nd4j.createFromArray(doubles(c.get("x"))).reshape(n, d);
            RoutingInput in = RoutingInput.of(x).withTokenIds(ints(c.get("ids")));
            for (String policy : new String[]{"position", "score"}) {
                TestConfigs cfg = TestConfigs.router(name, ((Number) c.get("k")).intValue())
                        .normalize((Boolean) c.get("normalize")).loadBalance(0.01).zLoss(0.001)
                        .capacity(new Capacity.Factor(1.0)).dropPolicy(policy);
                Router r = Routers.create(cfg.build(), RouterShape.of(e, d, vocab, DataType.DOUBLE), 1);
                for (Map.Entry<String, Object> t : ((Map<String, Object>) c.get("tensors")).entrySet()) {
                    INDArray p = r.parameters().get(t.getKey());
                    p.reshape(p.length()).assign(Nd4j.createFromArray(doubles(t.getValue())).castTo(p.dataType()));
                }
                RoutingDecision dec = r.route(in);
                assertArrayEquals(ints(c.get("expert_ids")), dec.expertIds(), label);
                assertArrayEquals(doubles(c.get("weights")), dec.weights(), 1e-12, label);
                assertEquals(((Number) c.get("aux")).doubleValue(), dec.losses().total(), 1e-12, label);
                Map<String, Object> drops = (Map<String, Object>) ((Map<String, Object>) c.get("drops")).get(policy);
                assertArrayEquals(ints(drops.get("load")), dec.load(), label + " " + policy);
                assertEquals(((Number) drops.get("capacity")).intValue(), dec.capacity().capacity().getAsInt(), label);
                assertEquals(((Number) drops.get("dropped")).intValue(), dec.statistics().droppedPairs(),
                        label + " " + policy);
            }
        }
    }
}
