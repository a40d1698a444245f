package io.sparkmoe.parallel;

import java.time.Duration;

/**
 * The {@link Coordinator} of ranks that run as threads of one JVM: each rank's {@link #allGather} waits on a shared
 * monitor until every rank has called it. A rank that fails {@link Group#fail breaks} the group, and a call that waits
 * longer than the timeout breaks it too, so the other ranks fail at once instead of waiting forever.
 */
public final class ThreadCoordinator implements Coordinator {

    /** The ranks of one run. */
    public static final class Group {

        private final int size;
        private final long timeoutNanos;
        private String[] arriving;
        private String[] gathered;
        private int arrived;
        private long round;
        private String broken;

        private Group(int size, Duration timeout) {
            if (size < 1) {
                throw new IllegalArgumentException("a coordinator group needs at least one rank, got " + size);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the coordinator timeout must be positive, got " + timeout);
            }
            this.size = size;
            this.timeoutNanos = timeout.toNanos();
            this.arriving = new String[size];
        }

        /** The coordinator of {@code rank}. */
        public ThreadCoordinator rank(int rank) {
            if (rank < 0 || rank >= size) {
                throw new IllegalArgumentException("rank " + rank + " is outside the group of " + size);
            }
            return new ThreadCoordinator(this, rank);
        }

        /** Fails every waiting and later call with {@code reason} (a rank died). Idempotent: the first reason stays. */
        public synchronized void fail(String reason) {
            if (broken == null) {
                broken = reason;
            }
            notifyAll();
        }

        private synchronized String[] allGather(int rank, String message) {
            check(rank);
            if (arriving[rank] != null) {
                throw new IllegalStateException("rank " + rank + " called allGather twice in one round");
            }
            long myRound = round;
            arriving[rank] = message == null ? "" : message;
            if (++arrived == size) {
                gathered = arriving;
                arriving = new String[size];
                arrived = 0;
                round++;
                notifyAll();
                return gathered.clone();
            }
            long deadline = System.nanoTime() + timeoutNanos;
            while (round == myRound) {
                check(rank);
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    StringBuilder missing = new StringBuilder();
                    for (int r = 0; r < size; r++) {
                        if (arriving[r] == null) {
                            missing.append(missing.length() == 0 ? "" : ", ").append(r);
                        }
                    }
                    fail("rank " + rank + " waited " + Duration.ofNanos(timeoutNanos).toMillis()
                            + " ms in allGather for rank(s) " + missing);
                    check(rank);
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("rank " + rank + " was interrupted in allGather");
                    check(rank);
                }
            }
            return gathered.clone();
        }

        private void check(int rank) {
            if (broken != null) {
                throw new IllegalStateException("rank " + rank + ": the coordinator group is broken: " + broken);
            }
        }
    }

    private final Group group;
    private final int rank;

    private ThreadCoordinator(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** A group of {@code size} ranks whose calls give up after {@code timeout}. */
    public static Group group(int size, Duration timeout) {
        return new Group(size, timeout);
    }

    @Override
    public String[] allGather(String message) {
        return group.allGather(rank, message);
    }
}
