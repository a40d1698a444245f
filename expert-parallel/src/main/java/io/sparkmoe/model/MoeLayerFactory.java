package io.sparkmoe.model;

import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

import io.sparkmoe.routing.Router;

/**
 * How {@link MoeTransformer} builds the feed-forward of a MoE block and which routed experts' tensors it keeps.
 * In one JVM every expert is local ({@link #LOCAL}: a {@link MoeLayer}); a rank of an expert-parallel run keeps only
 * its own experts and builds a layer that sends tokens to the others. Experts that are not kept are still drawn
 * from the init's random stream (and dropped), so every tensor a rank keeps equals the single-JVM model's.
 */
public interface MoeLayerFactory {

    /** Every expert local: the single-JVM MoE layer. */
    MoeLayerFactory LOCAL = local(layer -> null);

    /**
     * Every expert local, as {@link #LOCAL}, for one of several data-parallel workers of this JVM:
     * {@code countsOverWorkers.apply(layer)} sums block {@code layer}'s load-balance counts over the workers (null:
     * no summing, one model alone).
     */
    static MoeLayerFactory local(IntFunction<UnaryOperator<int[]>> countsOverWorkers) {
        return new MoeLayerFactory() {
            @Override
            public boolean holds(int layer, int expert) {
                return true;
            }

            @Override
            public FeedForward create(int layer, Parameters params, String prefix, Router router, int sharedExperts,
                                      boolean sharedGate, StepClock clock) {
                return new MoeLayer(params, prefix, router, sharedExperts, sharedGate, clock,
                        countsOverWorkers.apply(layer));
            }
        };
    }

    /** Whether routed expert {@code expert} of block {@code layer} lives in this model's {@link Parameters}. */
    boolean holds(int layer, int expert);

    /**
     * The MoE feed-forward of block {@code layer}; its router's tensors, the shared experts and the held experts
     * are registered in {@code params} under {@code prefix} ({@code model.layers.{i}.block_sparse_moe.}).
     */
    FeedForward create(int layer, Parameters params, String prefix, Router router, int sharedExperts,
                       boolean sharedGate, StepClock clock);
}
