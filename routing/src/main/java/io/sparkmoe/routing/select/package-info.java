/**
 * Selection primitives with the routing tie rule (lower index first): top-k scans, node-limited
 * top-k, stable and partial sorts, bounded top-C.
 */
package io.sparkmoe.routing.select;
