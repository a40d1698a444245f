package io.sparkmoe.exchange;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * What has arrived at one rank, one queue per sender, shared by both exchanges: the in-process one puts
 * messages here from the sending thread, the network one from its socket handlers. Taking checks that the
 * message is the one this call expects (same tag, same call number), and gives up at a deadline with an error
 * that names the peer, so a missing or out-of-step rank is reported, never waited for forever.
 */
final class Inbox {

    /** One message (or the news that none will come) from one sender. */
    record Envelope(Tag tag, long call, Payload payload, String failure) {

        static Envelope message(Tag tag, long call, Payload payload) {
            return new Envelope(tag, call, payload, null);
        }

        static Envelope failure(String reason) {
            return new Envelope(null, -1, null, reason);
        }
    }

    private final int rank;
    private final BlockingQueue<Envelope>[] fromRank;

    @SuppressWarnings("unchecked")
    Inbox(int rank, int size) {
        this.rank = rank;
        this.fromRank = new BlockingQueue[size];
        for (int sender = 0; sender < size; sender++) {
            fromRank[sender] = new LinkedBlockingQueue<>();
        }
    }

    /** Delivers a message from {@code sender}. */
    void deliver(int sender, Envelope envelope) {
        fromRank[sender].add(envelope);
    }

    /**
     * The payload of call {@code call} ({@code tag}) from {@code sender}, waiting until {@code deadlineNanos}
     * ({@link System#nanoTime()} clock). {@code describe} names a rank for errors (with its address where known).
     */
    Payload take(int sender, Tag tag, long call, long deadlineNanos, long timeoutMillis, IntFunction<String> describe) {
        Envelope envelope;
        try {
            envelope = fromRank[sender].poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExchangeException("rank " + rank + " was interrupted waiting for " + describe.apply(sender)
                    + " in " + tag + " (call #" + call + ")", e);
        }
        if (envelope == null) {
            throw new ExchangeException("rank " + rank + " waited " + timeoutMillis + " ms for "
                    + describe.apply(sender) + " in " + tag + " (call #" + call + ") and nothing arrived: that rank is"
                    + " dead, stuck, or not making the same calls");
        }
        if (envelope.failure() != null) {
            fromRank[sender].add(envelope); // every later call fails the same way
            throw new ExchangeException("rank " + rank + " cannot receive from " + describe.apply(sender) + " in "
                    + tag + " (call #" + call + "): " + envelope.failure());
        }
        if (envelope.call() != call || !envelope.tag().equals(tag)) {
            throw new ExchangeException("rank " + rank + " expected " + tag + " (call #" + call + ") from "
                    + describe.apply(sender) + " but got " + envelope.tag() + " (call #" + envelope.call()
                    + "): the ranks are out of step");
        }
        return envelope.payload();
    }
}
