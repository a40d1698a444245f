package io.sparkmoe.parallel;

/**
 * Small-message coordination among the ranks of one expert-parallel run, routed through whoever coordinates them:
 * the Spark driver inside a barrier stage ({@code BarrierTaskContext.allGather}), or plain threads when the ranks
 * run in one JVM. The ranks use it to agree on what to do next (when to average, whether every replica hashes the
 * same, which checkpoint to resume from); bulk data goes through the {@link io.sparkmoe.exchange.Exchange}.
 *
 * <p>Collective: every rank calls it, in the same order, with one message each.
 */
public interface Coordinator {

    /** Every rank's message, index = rank; returns once every rank has called it. */
    String[] allGather(String message);
}
