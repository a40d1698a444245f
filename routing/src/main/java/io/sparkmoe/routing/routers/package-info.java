/**
 * The nine routers of MODEL.md's table, chosen by short name through {@code Routers}. Score-based
 * routers share {@code ScoreRouter} (logits, softmax, losses, backward) and differ only in selection
 * and gate; capacity and statistics are applied by one shared step ({@code DecisionAssembly}).
 */
package io.sparkmoe.routing.routers;
