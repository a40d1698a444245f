package io.sparkmoe.exchange;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Runs one function per rank, each on its own thread, as the ranks of a run would. */
final class Ranks {

    /** What one rank ended with: a value or the exception it threw. */
    record Outcome<T>(T value, Throwable failure) {
        T get() {
            if (failure != null) {
                throw new AssertionError("a rank failed: " + failure, failure);
            }
            return value;
        }
    }

    private Ranks() {
    }

    /** Runs {@code body} for every exchange in parallel and returns each rank's outcome, in rank order. */
    static <T> List<Outcome<T>> run(List<? extends Exchange> exchanges, Function<Exchange, T> body) {
        ExecutorService threads = Executors.newFixedThreadPool(exchanges.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Exchange exchange : exchanges) {
                futures.add(threads.submit(() -> body.apply(exchange)));
            }
            List<Outcome<T>> outcomes = new ArrayList<>();
            for (Future<T> future : futures) {
                try {
                    outcomes.add(new Outcome<>(future.get(), null));
                } catch (ExecutionException e) {
                    outcomes.add(new Outcome<>(null, e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            return outcomes;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Like {@link #run} but every rank must succeed; returns the values. */
    static <T> List<T> all(List<? extends Exchange> exchanges, Function<Exchange, T> body) {
        List<T> values = new ArrayList<>();
        for (Outcome<T> outcome : run(exchanges, body)) {
            values.add(outcome.get());
        }
        return values;
    }
}
