package io.sparkmoe.data.shards;

/**
 * Where a document's tokens go, chosen from its content hash only, so the output is the same however the
 * input was read or partitioned: {@code data.write-partitions} groups (one per writing task), each written in
 * hash order, into shards named {@code <split>[_c<cluster>]_p<group>_<index>.bin}.
 */
public final class ShardLayout {

    private ShardLayout() {
    }

    /** The writing group of a document with content hash {@code hexHash}. */
    public static int group(String hexHash, int groups) {
        return (int) Long.remainderUnsigned(Long.parseUnsignedLong(hexHash.substring(16, 32), 16), groups);
    }

    /** The shard name prefix of a group. */
    public static String prefix(String split, Integer cluster, int group) {
        return split + (cluster == null ? "" : String.format("_c%03d", cluster)) + String.format("_p%05d", group);
    }
}
