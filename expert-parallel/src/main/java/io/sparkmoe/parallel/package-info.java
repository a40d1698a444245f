/**
 * Expert-parallel training: one rank's share of the model (its experts plus a replica of everything else), the
 * distributed MoE step through an {@link io.sparkmoe.exchange.Exchange}, and how replicas stay equal.
 */
package io.sparkmoe.parallel;
