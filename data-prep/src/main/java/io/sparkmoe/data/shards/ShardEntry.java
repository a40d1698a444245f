package io.sparkmoe.data.shards;

import java.io.Serializable;
import java.util.Objects;

/**
 * One shard as the manifest lists it. A plain class (not a record) because Spark tasks send it to the driver
 * through Kryo.
 */
public final class ShardEntry implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Relative to the manifest's directory. */
    public final String path;
    /** {@code train} or {@code val}. */
    public final String split;
    /** The document cluster, or {@code null} for shards of the whole corpus. */
    public final Integer cluster;
    public final long tokens;
    /** Documents that start in this shard (one end-of-text each). */
    public final long documents;
    public final String sha256;

    public ShardEntry(String path, String split, Integer cluster, long tokens, long documents, String sha256) {
        this.path = path;
        this.split = split;
        this.cluster = cluster;
        this.tokens = tokens;
        this.documents = documents;
        this.sha256 = sha256;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardEntry e && path.equals(e.path) && split.equals(e.split) && Objects.equals(cluster, e.cluster)
                && tokens == e.tokens && documents == e.documents && sha256.equals(e.sha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, sha256);
    }

    @Override
    public String toString() {
        return path + " (" + split + (cluster == null ? "" : ", cluster " + cluster) + ", " + tokens + " tokens)";
    }
}
