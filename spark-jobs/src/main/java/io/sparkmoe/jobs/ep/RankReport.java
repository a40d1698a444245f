package io.sparkmoe.jobs.ep;

/**
 * What one rank of {@code sparkmoe ranks} reports to the driver. A plain class (not a record) because Kryo's field
 * serializer sets fields after construction, which records forbid.
 */
public final class RankReport {

    public int rank;
    public String executorId;
    public String host;
    public int port;
    /** The GPU address Spark assigned to the rank's task, or {@code none}. */
    public String gpu;
    /** Ranks this rank learnt through the barrier (N when all announced themselves). */
    public int peersSeen;
    /** The experts this rank computed for itself from the gathered hosts; the driver compares with its placement. */
    public int[] localExperts;
    /** Bytes this rank sent in the mesh check through its exchange: same rank, same node, remote. */
    public long[] bytesByClass;
    /** The stage attempt the report comes from (0 unless Spark reran the ranks). */
    public int attempt;

    public RankReport() {
    }
}
