package io.sparkmoe.jobs.ep;

import io.sparkmoe.parallel.Coordinator;
import org.apache.spark.BarrierTaskContext;

/**
 * The ranks' {@link Coordinator} inside a Spark barrier stage: Spark's own {@code BarrierTaskContext.allGather},
 * which the driver's barrier coordinator answers once every rank of the stage attempt has called it. A rank whose
 * stage attempt has failed gets an exception from it instead of waiting forever, so a lost peer never hangs the
 * others here.
 */
final class BarrierCoordinator implements Coordinator {

    private final BarrierTaskContext barrier;

    BarrierCoordinator(BarrierTaskContext barrier) {
        this.barrier = barrier;
    }

    @Override
    public String[] allGather(String message) {
        return barrier.allGather(message);
    }
}
