package io.sparkmoe.parallel;

import java.util.function.Supplier;

/**
 * The time a rank spends inside exchange calls: sending, and mostly waiting for the slowest peer. The step's
 * breakdown reports it apart from compute, since it is what more ranks (or a slower network) cost. One rank, one
 * thread: not thread-safe.
 */
public final class ExchangeClock {

    private long nanos;

    /** Runs one exchange call, adding its duration. */
    public <T> T time(Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } finally {
            nanos += System.nanoTime() - start;
        }
    }

    /** Seconds since the last drain, then zero. */
    public double drain() {
        double seconds = nanos / 1e9;
        nanos = 0;
        return seconds;
    }
}
