/**
 * Expert capacity: drop policies (position, score) and LocMoE's capacity bound from the measured
 * angular deviation.
 */
package io.sparkmoe.routing.capacity;
