package io.sparkmoe.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall-clock seconds per phase of one training step (forward, backward, optimizer, ...), for the {@code timing}
 * field of {@code step} events: where a step's time goes is the first question of any speed work.
 */
final class PhaseTimer {

    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long mark = System.nanoTime();

    /** Starts timing the next phase now. */
    void reset() {
        mark = System.nanoTime();
    }

    /** Charges the time since the last mark to {@code phase} and starts the next phase. */
    void lap(String phase) {
        long now = System.nanoTime();
        seconds.merge(phase, (now - mark) / 1e9, Double::sum);
        mark = now;
    }

    /** Total seconds of all phases. */
    double total() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** A copy of the phases and their seconds, in the order first seen. */
    Map<String, Double> phases() {
        return new LinkedHashMap<>(seconds);
    }
}
