package io.sparkmoe.exchange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Ranks as threads of one JVM: each rank's exchange puts payloads straight into the receivers' inboxes. For
 * multi-rank tests and single-machine runs; results equal the network exchange's because both share the
 * collectives of {@link AbstractExchange}. A rank that never makes a call fails the others after the timeout;
 * a rank that closes its exchange fails them at once.
 */
public final class InProcessExchange extends AbstractExchange {

    /** The rendezvous of the ranks of one run. */
    public static final class Group {

        private final Topology topology;
        private final Duration timeout;
        private final Inbox[] inboxes;

        private Group(Topology topology, Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the exchange timeout must be positive, got " + timeout);
            }
            this.topology = topology;
            this.timeout = timeout;
            this.inboxes = new Inbox[topology.size()];
            for (int rank = 0; rank < inboxes.length; rank++) {
                inboxes[rank] = new Inbox(rank, topology.size());
            }
        }

        /** The exchange of {@code rank}; call once per rank, from the thread that runs that rank. */
        public InProcessExchange rank(int rank) {
            return new InProcessExchange(this, rank);
        }

        /** The exchanges of all ranks, in rank order. */
        public List<InProcessExchange> ranks() {
            List<InProcessExchange> all = new ArrayList<>();
            for (int rank = 0; rank < topology.size(); rank++) {
                all.add(rank(rank));
            }
            return all;
        }
    }

    private final Group group;
    private volatile boolean closed;

    private InProcessExchange(Group group, int rank) {
        super(rank, group.topology);
        this.group = group;
    }

    /** A rendezvous for {@code topology.size()} ranks whose calls give up after {@code timeout}. */
    public static Group group(Topology topology, Duration timeout) {
        return new Group(topology, timeout);
    }

    @Override
    List<Payload> transfer(Tag tag, long call, List<Payload> outgoing) {
        if (closed) {
            throw new ExchangeException("rank " + rank() + " used its exchange after closing it (" + tag + ")");
        }
        for (int to = 0; to < size(); to++) {
            if (to != rank()) {
                group.inboxes[to].deliver(rank(), Inbox.Envelope.message(tag, call, outgoing.get(to)));
            }
        }
        long timeoutMillis = group.timeout.toMillis();
        long deadline = System.nanoTime() + group.timeout.toNanos();
        List<Payload> incoming = new ArrayList<>(size());
        for (int from = 0; from < size(); from++) {
            incoming.add(from == rank() ? outgoing.get(from)
                    : group.inboxes[rank()].take(from, tag, call, deadline, timeoutMillis, r -> "rank " + r));
        }
        return incoming;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int to = 0; to < size(); to++) {
            if (to != rank()) {
                group.inboxes[to].deliver(rank(), Inbox.Envelope.failure("rank " + rank() + " closed its exchange"));
            }
        }
    }
}
