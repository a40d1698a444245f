package io.sparkmoe.parallel;

import io.sparkmoe.exchange.Exchange;
import io.sparkmoe.model.FeedForward;
import io.sparkmoe.model.MoeLayerFactory;
import io.sparkmoe.model.Parameters;
import io.sparkmoe.model.StepClock;
import io.sparkmoe.routing.Router;

/** Builds one rank's MoE blocks: only the rank's own experts are kept, and each block is a {@link DistributedMoeLayer}. */
public final class DistributedLayers implements MoeLayerFactory {

    private final Exchange exchange;
    private final ExpertShards shards;
    private final ExchangeClock wait;

    public DistributedLayers(Exchange exchange, ExpertShards shards, ExchangeClock wait) {
        this.exchange = exchange;
        this.shards = shards;
        this.wait = wait;
    }

    @Override
    public boolean holds(int layer, int expert) {
        return shards.holds(exchange.rank(), expert);
    }

    @Override
    public FeedForward create(int layer, Parameters params, String prefix, Router router, int sharedExperts,
                              boolean sharedGate, StepClock clock) {
        return new DistributedMoeLayer(params, prefix, router, sharedExperts, sharedGate, clock, layer, exchange,
                shards, wait);
    }
}
