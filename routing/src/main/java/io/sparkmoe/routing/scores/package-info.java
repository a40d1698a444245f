/**
 * Score functions: hidden states to router logits and back (linear gate, X-MoE's cosine gate, LocMoE's
 * GrAP), and the bulk array conversions that keep per-token work on plain Java arrays.
 */
package io.sparkmoe.routing.scores;
