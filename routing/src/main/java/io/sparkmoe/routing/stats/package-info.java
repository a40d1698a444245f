/**
 * Routing statistics per call: load and balance, drops, router entropy, locality shares.
 */
package io.sparkmoe.routing.stats;
