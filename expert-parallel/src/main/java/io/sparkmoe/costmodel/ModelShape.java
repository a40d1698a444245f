package io.sparkmoe.costmodel;

/**
 * What of the model a step's cost depends on.
 *
 * @param hidden            d: floats per token row in the exchange
 * @param moeLayers         layers whose feed-forward is an MoE layer (one dispatch each)
 * @param flopsPerToken     training FLOPs per token ({@code 6·N_active + 12·L·d·T}, as the training benchmark counts)
 * @param replicatedParams  parameters every rank holds a replica of (everything but the routed experts)
 * @param expertsPerRank    routed experts on each rank (E = ranks × this)
 * @param tokensPerRank     tokens each rank routes per step
 * @param bytesPerValue     bytes per float on the wire (4: SparkMoE sends float32)
 */
public record ModelShape(int hidden, int moeLayers, double flopsPerToken, long replicatedParams, int expertsPerRank,
                         long tokensPerRank, int bytesPerValue) {
}
