package io.sparkmoe.exchange;

import io.sparkmoe.costmodel.DispatchVolume;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cost model's byte count against what the real hierarchical (and flat) dispatch sends, class by class. */
@Timeout(120)
class DispatchVolumeTest {

    @ParameterizedTest(name = "{0} ranks on nodes {1}, k={2}, hierarchical={3}")
    @CsvSource({"4, a a b b, 2, true", "4, a a b b, 2, false", "6, a a a b b b, 3, true", "4, a b c d, 1, true",
            "8, a a b b c c d d, 4, true"})
    void countsTheBytesTheExchangeSends(int ranks, String nodes, int k, boolean hierarchical) {
        Topology topology = Topology.of(nodes.split(" "));
        int width = 5;
        RoundTrip.Scenario scenario = RoundTrip.Scenario.random(ranks, 40, k, width, false, 17 + ranks + k);
        List<InProcessExchange> group = InProcessExchange.group(topology, Duration.ofSeconds(60)).ranks();
        List<RoundTrip.Result> results;
        try {
            results = Ranks.all(group, exchange -> RoundTrip.run(exchange, scenario, hierarchical));
        } finally {
            group.forEach(Exchange::close);
        }
        DispatchVolume volume = new DispatchVolume(topology, hierarchical);
        for (int r = 0; r < ranks; r++) {
            Routes routes = scenario.routes()[r];
            for (int t = 0; t < routes.tokens(); t++) {
                volume.add(r, Arrays.copyOfRange(routes.rank(), t * k, (t + 1) * k));
            }
        }
        for (TrafficClass c : TrafficClass.values()) {
            long measured = results.stream().mapToLong(result -> result.traffic().bytes(c)).sum();
            assertEquals(measured, volume.stepBytes(c, width), c + " bytes");
        }
    }
}
