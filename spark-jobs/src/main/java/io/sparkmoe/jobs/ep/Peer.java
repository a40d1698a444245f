package io.sparkmoe.jobs.ep;

/**
 * One rank as every other rank learns it through the barrier's {@code allGather}: its rank, the executor it runs in,
 * the host that executor is known by in Spark, and the port this rank opened for its peers.
 *
 * @param rank       the rank (= the barrier task's partition id)
 * @param executorId Spark's id of the executor ({@code driver} in local mode)
 * @param host       the executor's address as Spark knows it
 * @param port       the port the rank listens on
 */
public record Peer(int rank, String executorId, String host, int port) {

    private static final String SEPARATOR = "\t";

    public Peer {
        if (rank < 0 || port < 1 || port > 65535 || host.isBlank() || executorId.isBlank()
                || host.contains(SEPARATOR) || executorId.contains(SEPARATOR)) {
            throw new IllegalArgumentException("not a valid peer: rank " + rank + ", executor '" + executorId
                    + "', host '" + host + "', port " + port);
        }
    }

    /** The message this rank contributes to {@code allGather}. */
    String encode() {
        return String.join(SEPARATOR, Integer.toString(rank), executorId, host, Integer.toString(port));
    }

    /** Reads a message of {@link #encode()}; {@code expectedRank} is its position in the gathered messages. */
    static Peer decode(String message, int expectedRank) {
        String[] f = message.split(SEPARATOR, -1);
        try {
            if (f.length == 4 && Integer.parseInt(f[0]) == expectedRank) {
                return new Peer(expectedRank, f[1], f[2], Integer.parseInt(f[3]));
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below, which names the message
        }
        throw new IllegalStateException("rank " + expectedRank + " announced '" + message
                + "', expected 'rank<TAB>executor<TAB>host<TAB>port' for rank " + expectedRank);
    }
}
