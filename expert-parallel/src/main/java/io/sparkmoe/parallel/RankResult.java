package io.sparkmoe.parallel;

import java.io.Serializable;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.sparkmoe.exchange.TrafficClass;

/**
 * What one rank's {@link RankTrainer#run} did. A plain serializable class rather than a record, since a barrier task
 * returns it through Spark (whose Kryo does not construct records).
 */
public final class RankResult implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int rank;
    private final int firstStep;
    private final double[] losses;
    private final String replicaHash;
    private final EnumMap<TrafficClass, Long> traffic;
    private final LinkedHashMap<String, Double> breakdown;
    private final double seconds;

    RankResult(int rank, int firstStep, double[] losses, String replicaHash, Map<TrafficClass, Long> traffic,
               Map<String, Double> breakdown, double seconds) {
        this.rank = rank;
        this.firstStep = firstStep;
        this.losses = losses.clone();
        this.replicaHash = replicaHash;
        this.traffic = new EnumMap<>(traffic);
        this.breakdown = new LinkedHashMap<>(breakdown);
        this.seconds = seconds;
    }

    public int rank() {
        return rank;
    }

    /** The first step this run took (after a resumed checkpoint's). */
    public int firstStep() {
        return firstStep;
    }

    /** Steps this run took. */
    public int steps() {
        return losses.length;
    }

    /** The global batch's cross-entropy per step (auxiliary losses excluded), equal on every rank. */
    public double[] losses() {
        return losses.clone();
    }

    /** The last step's loss, NaN when no step ran. */
    public double finalLoss() {
        return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
    }

    /** Hash of the replicated tensors after the last step (equal on every rank in all-reduce mode). */
    public String replicaHash() {
        return replicaHash;
    }

    /** Bytes this rank sent per class over the run. */
    public Map<TrafficClass, Long> traffic() {
        return Collections.unmodifiableMap(traffic);
    }

    /** Seconds of {@code compute}, {@code exchange_wait} and {@code averaging} over the run's steps. */
    public Map<String, Double> breakdown() {
        return Collections.unmodifiableMap(breakdown);
    }

    /** Wall seconds of the run. */
    public double seconds() {
        return seconds;
    }

    @Override
    public String toString() {
        return "rank " + rank + ": steps " + firstStep + ".." + (firstStep + losses.length - 1) + ", final loss "
                + finalLoss() + ", replicas " + replicaHash + ", traffic " + traffic + ", " + breakdown;
    }
}
