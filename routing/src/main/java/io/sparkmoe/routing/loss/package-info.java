/**
 * Auxiliary routing losses (load balance, z-loss, LocMoE locality): each a weighted value and its
 * gradient with respect to the logits, derived in its Javadoc.
 */
package io.sparkmoe.routing.loss;
