package io.sparkmoe.exchange;

/**
 * Where a message goes relative to its sender. The classes cost very differently (a memory copy, a loopback or
 * shared-memory hop, a network link), so locality work is judged by how many bytes move out of {@link #REMOTE}.
 */
public enum TrafficClass {
    /** The sender itself: no transfer at all. */
    SAME_RANK,
    /** Another rank on the same node. */
    SAME_NODE,
    /** A rank on another node: the traffic that crosses the network. */
    REMOTE
}
