/**
 * Routers, auxiliary losses, capacity and drop policies, and routing statistics (MODEL.md, "The MoE
 * layer"): pure math on ND4J arrays, with no Spark and no networking, so every formula is tested on its own.
 */
package io.sparkmoe.routing;
